import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  type SecretListEntry,
  SecretsManagerClient,
  type Tag,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { SecretNotFoundError } from '../core/rotation/errors.js';
import { matchesTags } from '../core/rotation/secretFilter.js';
import { stuckPendingVersion } from '../core/rotation/stages.js';
import type { SecretDescription, SecretListFilter, SecretStore, SecretVersion } from '../ports.js';
import { createClient } from './clients.js';

/** The SecretStore port over AWS Secrets Manager (SDK v3, adaptive retries for throttling). */
export class SecretsManagerStore implements SecretStore {
  readonly client: SecretsManagerClient;

  /** Date an unfinished rotation (ListSecretVersionIds) in describe/list: the audit's need, not a step's. */
  private readonly datePending: boolean;

  constructor(
    options: { region?: string; client?: SecretsManagerClient; datePendingVersions?: boolean } = {},
  ) {
    this.datePending = options.datePendingVersions ?? false;
    this.client =
      options.client ?? createClient(SecretsManagerClient, { region: options.region, purpose: 'adapters' });
  }

  async describe(secretId: string): Promise<SecretDescription> {
    const out = await notFoundAs(secretId, () =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
    return this.withPendingSince(toDescription(out, out.VersionIdsToStages), out.LastChangedDate);
  }

  /**
   * DescribeSecret does not date versions: for an unfinished rotation, ListSecretVersionIds gives
   * the pending version's CreatedDate (else the secret's LastChangedDate, which the rotation's
   * start set; else unknown).
   */
  private async withPendingSince(
    description: SecretDescription,
    lastChanged: Date | undefined,
  ): Promise<SecretDescription> {
    const pending = stuckPendingVersion(description.versions);
    if (pending === undefined || !this.datePending) return description;
    let created: Date | undefined;
    let token: string | undefined;
    // Bounded: a secret holds at most about 100 versions; 20 pages of 100 is far beyond it.
    try {
      for (let page = 0; page < 20 && created === undefined; page++) {
        const out = await this.client.send(
          new ListSecretVersionIdsCommand({
            SecretId: description.id,
            MaxResults: 100,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        created = out?.Versions?.find((v) => v.VersionId === pending)?.CreatedDate;
        token = out?.NextToken;
        if (!token) break;
      }
    } catch {
      // Dating is best effort (a role without ListSecretVersionIds): LastChangedDate stands in.
    }
    return { ...description, pendingSince: created ?? lastChanged ?? null };
  }

  async getValue(secretId: string, select: { versionId?: string; stage?: string }): Promise<SecretVersion> {
    const out = await notFoundAs(`${secretId} (${select.versionId ?? ''} ${select.stage ?? ''})`, () =>
      this.client.send(
        new GetSecretValueCommand({
          SecretId: secretId,
          ...(select.versionId ? { VersionId: select.versionId } : {}),
          ...(select.stage ? { VersionStage: select.stage } : {}),
        }),
      ),
    );
    if (out.SecretString === undefined || out.VersionId === undefined) {
      throw new SecretNotFoundError(`secret ${secretId} has no SecretString for that version`);
    }
    return { versionId: out.VersionId, stages: out.VersionStages ?? [], value: out.SecretString };
  }

  async putValue(secretId: string, versionId: string, value: string, stages: string[]): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: versionId,
        SecretString: value,
        VersionStages: stages,
      }),
    );
  }

  async updateStage(
    secretId: string,
    move: { stage: string; moveToVersionId?: string; removeFromVersionId?: string },
  ): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: move.stage,
        ...(move.moveToVersionId ? { MoveToVersionId: move.moveToVersionId } : {}),
        ...(move.removeFromVersionId ? { RemoveFromVersionId: move.removeFromVersionId } : {}),
      }),
    );
  }

  /** RotateSecret: Secrets Manager labels a new AWSPENDING version and invokes the rotation function. */
  async requestRotation(secretId: string): Promise<string> {
    const out = await notFoundAs(secretId, () =>
      this.client.send(new RotateSecretCommand({ SecretId: secretId, RotateImmediately: true })),
    );
    if (!out.VersionId) throw new SecretNotFoundError(`RotateSecret for ${secretId} returned no VersionId`);
    return out.VersionId;
  }

  async list(filter: SecretListFilter = {}): Promise<SecretDescription[]> {
    const also = Object.entries(filter.alsoTagged ?? {});
    // The API's tag filters match by prefix and key and value independently: one value each
    // narrows the listing to a superset, and matchesTags below keeps only the exact pairs.
    const serverKey = filter.tagKey ?? also[0]?.[0];
    const serverValue = filter.tagValue ?? also[0]?.[1];
    const filters = [
      ...(serverKey ? [{ Key: 'tag-key' as const, Values: [serverKey] }] : []),
      ...(serverValue ? [{ Key: 'tag-value' as const, Values: [serverValue] }] : []),
    ];
    const found: SecretDescription[] = [];
    let nextToken: string | undefined;
    // Bounded: 1000 pages of 100 secrets is far beyond any account's quota.
    for (let page = 0; page < 1000; page++) {
      const out = await this.client.send(
        new ListSecretsCommand({
          MaxResults: 100,
          ...(filters.length > 0 ? { Filters: filters } : {}),
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const entry of out.SecretList ?? []) {
        if (!matchesTags(tagsOf(entry.Tags), filter)) continue;
        found.push(
          await this.withPendingSince(
            toDescription(entry, entry.SecretVersionsToStages),
            entry.LastChangedDate,
          ),
        );
      }
      nextToken = out.NextToken;
      if (!nextToken) return found;
    }
    return found;
  }
}

function toDescription(
  out: DescribeSecretCommandOutput | SecretListEntry,
  versions: Record<string, string[]> | undefined,
): SecretDescription {
  return {
    id: out.ARN ?? out.Name ?? '',
    name: out.Name ?? out.ARN ?? '',
    rotationEnabled: out.RotationEnabled === true,
    rotationIntervalDays: out.RotationRules?.AutomaticallyAfterDays ?? null,
    lastRotatedDate: out.LastRotatedDate ?? null,
    nextRotationDate: out.NextRotationDate ?? null,
    createdDate: out.CreatedDate ?? null,
    versions: versions ?? {},
    tags: tagsOf(out.Tags),
  };
}

function tagsOf(tags: Tag[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key) result[tag.Key] = tag.Value ?? '';
  return result;
}

async function notFoundAs<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException') {
      throw new SecretNotFoundError(`secret not found: ${what}`, { cause: error });
    }
    throw error;
  }
}
