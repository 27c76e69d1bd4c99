import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { RotationStateError, SecretNotFoundError } from '../core/rotation/errors.js';
import { matchesTags } from '../core/rotation/secretFilter.js';
import {
  AWSCURRENT,
  AWSPENDING,
  applyStageMove,
  stuckPendingVersion,
  versionWithStage,
} from '../core/rotation/stages.js';
import { zodConfigError } from '../core/zodFieldError.js';
import type { SecretDescription, SecretListFilter, SecretStore, SecretVersion } from '../ports.js';

const DAY_MS = 86_400_000;

const versionSchema = z.object({
  stages: z.array(z.string()),
  /** Absent while a rotation has labelled the version AWSPENDING but createSecret has not stored a value. */
  value: z.string().optional(),
  createdDate: z.string(),
});

const secretSchema = z.object({
  name: z.string().min(1),
  rotationEnabled: z.boolean().default(true),
  rotationIntervalDays: z.number().positive().nullable().default(30),
  lastRotatedDate: z.string().nullable().default(null),
  nextRotationDate: z.string().nullable().default(null),
  createdDate: z.string(),
  tags: z.record(z.string(), z.string()).default({}),
  versions: z.record(z.string(), versionSchema),
});
type StoredSecret = z.infer<typeof secretSchema>;

const fileSchema = z.object({ secrets: z.record(z.string(), secretSchema) });
type StoreFile = z.infer<typeof fileSchema>;

/**
 * A JSON file with Secrets Manager's semantics (versions, staging labels, RotationEnabled,
 * LastRotatedDate, NextRotationDate), so the rotation steps run unchanged on one machine. The
 * file holds secret values: it is written with mode 0600, atomically (temp file + rename).
 * One writer at a time (the CLI); there is no cross-process lock.
 */
export class FileSecretStore implements SecretStore {
  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async describe(secretId: string): Promise<SecretDescription> {
    const data = await this.load();
    return describeStored(this.secret(data, secretId));
  }

  async getValue(secretId: string, select: { versionId?: string; stage?: string }): Promise<SecretVersion> {
    const secret = this.secret(await this.load(), secretId);
    const versionId = select.versionId ?? versionWithStage(stagesOf(secret), select.stage ?? AWSCURRENT);
    const version = versionId !== undefined ? secret.versions[versionId] : undefined;
    if (!version || versionId === undefined) {
      throw new SecretNotFoundError(`secret ${secretId} has no version ${select.versionId ?? select.stage}`);
    }
    if (select.stage && !version.stages.includes(select.stage)) {
      throw new SecretNotFoundError(`secret ${secretId} version ${versionId} is not ${select.stage}`);
    }
    if (version.value === undefined) {
      throw new SecretNotFoundError(`secret ${secretId} version ${versionId} has no value yet`);
    }
    return { versionId, stages: [...version.stages], value: version.value };
  }

  async putValue(secretId: string, versionId: string, value: string, stages: string[]): Promise<void> {
    await this.update(secretId, (secret) => {
      const existing = secret.versions[versionId];
      if (existing?.value !== undefined) {
        if (existing.value !== value) {
          throw new RotationStateError(`version ${versionId} already exists with a different value`);
        }
        return;
      }
      let versions = stagesOf(secret);
      versions = { ...versions, [versionId]: existing?.stages ?? [] };
      for (const stage of stages) {
        const holder = versionWithStage(versions, stage);
        versions = applyStageMove(versions, {
          stage,
          moveToVersionId: versionId,
          ...(holder !== undefined && holder !== versionId ? { removeFromVersionId: holder } : {}),
        });
      }
      secret.versions[versionId] = {
        stages: versions[versionId] ?? [],
        value,
        createdDate: existing?.createdDate ?? this.now().toISOString(),
      };
      for (const [id, version] of Object.entries(secret.versions)) version.stages = versions[id] ?? [];
    });
  }

  async updateStage(
    secretId: string,
    move: { stage: string; moveToVersionId?: string; removeFromVersionId?: string },
  ): Promise<void> {
    await this.update(secretId, (secret) => {
      const before = versionWithStage(stagesOf(secret), AWSCURRENT);
      const versions = applyStageMove(stagesOf(secret), move);
      for (const [id, version] of Object.entries(secret.versions)) version.stages = versions[id] ?? [];
      const after = versionWithStage(versions, AWSCURRENT);
      if (move.stage === AWSCURRENT && after !== before) {
        const at = this.now();
        secret.lastRotatedDate = at.toISOString();
        secret.nextRotationDate =
          secret.rotationIntervalDays !== null
            ? new Date(at.getTime() + secret.rotationIntervalDays * DAY_MS).toISOString()
            : null;
      }
    });
  }

  async list(filter: SecretListFilter = {}): Promise<SecretDescription[]> {
    const data = await this.load();
    return Object.values(data.secrets)
      .filter((s) => matchesTags(s.tags, filter))
      .map(describeStored);
  }

  // --- local-only operations (what the AWS console / RotateSecret would do) ---

  /** Creates a secret with one AWSCURRENT version. Refuses to overwrite an existing secret. */
  async createSecret(
    name: string,
    value: string,
    options: {
      rotationEnabled?: boolean;
      rotationIntervalDays?: number | null;
      tags?: Record<string, string>;
    } = {},
  ): Promise<void> {
    const data = (await this.loadIfExists()) ?? { secrets: {} };
    if (data.secrets[name]) throw new RotationStateError(`secret ${name} already exists in ${this.file}`);
    const at = this.now().toISOString();
    data.secrets[name] = {
      name,
      rotationEnabled: options.rotationEnabled ?? true,
      rotationIntervalDays: options.rotationIntervalDays === undefined ? 30 : options.rotationIntervalDays,
      lastRotatedDate: null,
      nextRotationDate: null,
      createdDate: at,
      tags: options.tags ?? {},
      versions: { [randomUUID()]: { stages: [AWSCURRENT], value, createdDate: at } },
    };
    await this.save(data);
  }

  async has(name: string): Promise<boolean> {
    return !!(await this.loadIfExists())?.secrets[name];
  }

  async setRotationEnabled(name: string, enabled: boolean): Promise<void> {
    await this.update(name, (secret) => {
      secret.rotationEnabled = enabled;
    });
  }

  /**
   * What RotateSecret does: labels a new, empty version AWSPENDING and returns its id (the
   * ClientRequestToken the steps get). If an earlier rotation left AWSPENDING on a version that
   * is not AWSCURRENT, returns that token instead, so the steps resume it.
   */
  async startRotation(
    name: string,
    token: string = randomUUID(),
  ): Promise<{ token: string; resumed: boolean }> {
    let result = { token, resumed: false };
    await this.update(name, (secret) => {
      const stuck = stuckPendingVersion(stagesOf(secret));
      if (stuck !== undefined) {
        result = { token: stuck, resumed: true };
        return;
      }
      const pendingOnCurrent = versionWithStage(stagesOf(secret), AWSPENDING);
      if (pendingOnCurrent !== undefined) {
        const holder = secret.versions[pendingOnCurrent];
        if (holder) holder.stages = holder.stages.filter((s) => s !== AWSPENDING);
      }
      secret.versions[token] = { stages: [AWSPENDING], createdDate: this.now().toISOString() };
    });
    return result;
  }

  private secret(data: StoreFile, secretId: string): StoredSecret {
    const secret = data.secrets[secretId];
    if (!secret) throw new SecretNotFoundError(`secret not found: ${secretId} (in ${this.file})`);
    return secret;
  }

  private async update(secretId: string, change: (secret: StoredSecret) => void): Promise<void> {
    const data = await this.load();
    change(this.secret(data, secretId));
    await this.save(data);
  }

  private async loadIfExists(): Promise<StoreFile | null> {
    if (!existsSync(this.file)) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(this.file, 'utf8'));
    } catch (error) {
      throw new ConfigError('--store', `${this.file} is not valid JSON`, { cause: error });
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      const naming = { prefix: '--store', joiner: ' ', fallback: 'invalid store file' };
      throw zodConfigError(parsed.error, naming, false);
    }
    return parsed.data;
  }

  private async load(): Promise<StoreFile> {
    const data = await this.loadIfExists();
    if (!data) throw new SecretNotFoundError(`secret store file not found: ${this.file}`);
    return data;
  }

  private async save(data: StoreFile): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
  }
}

function stagesOf(secret: StoredSecret): Record<string, string[]> {
  return Object.fromEntries(Object.entries(secret.versions).map(([id, v]) => [id, [...v.stages]]));
}

function describeStored(secret: StoredSecret): SecretDescription {
  const date = (s: string | null) => (s ? new Date(s) : null);
  const pending = stuckPendingVersion(stagesOf(secret));
  return {
    ...(pending !== undefined ? { pendingSince: date(secret.versions[pending]?.createdDate ?? null) } : {}),
    id: secret.name,
    name: secret.name,
    rotationEnabled: secret.rotationEnabled,
    rotationIntervalDays: secret.rotationIntervalDays,
    lastRotatedDate: date(secret.lastRotatedDate),
    nextRotationDate: date(secret.nextRotationDate),
    createdDate: date(secret.createdDate),
    versions: Object.fromEntries(
      Object.entries(secret.versions)
        .filter(([, v]) => v.stages.length > 0)
        .map(([id, v]) => [id, [...v.stages]]),
    ),
    tags: { ...secret.tags },
  };
}
