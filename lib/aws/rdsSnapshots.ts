import type { RDSClient } from '@aws-sdk/client-rds';
import { BackupError, GuardError } from '../core/errors.js';
import type { Manifest } from '../core/manifest.js';
import type { Check } from '../core/report.js';
import { waitFor } from '../core/wait.js';
import type { BackupRecord, PollableBackupRepository, Progress } from '../ports.js';
import { OFFSITE_KMS_FIELD, type RdsSource } from './awsSystemConfig.js';
import type { ManifestStore } from './manifestStore.js';
import { AwsQuotaError } from './retry.js';
import { type Snapshot, type SnapshotApi, snapshotApi } from './snapshotApi.js';
import { TAG, type Tag, tagValue } from './tags.js';

export interface RdsSnapshotsOptions {
  system: string;
  /**
   * The deployment stage: when set, snapshots are tagged with it and only snapshots tagged with it
   * are listed, reused or deleted (untagged older ones are left alone). Unset: any stage's.
   */
  stage?: string | undefined;
  source: RdsSource;
  region: string;
  client: RDSClient;
  manifests: ManifestStore;
  /** A client in the offsite region, when snapshots are copied there. */
  offsite?: { region: string; client: RDSClient; kmsKeyId?: string | undefined } | undefined;
  /** Limit of the blocking take() (the state machine polls instead). */
  snapshotTimeoutMs: number;
  /** Poll interval of the blocking take(). */
  pollIntervalMs?: number;
}

const AVAILABLE = 'available';
const IN_PROGRESS = new Set(['creating', 'copying', 'pending', 'modifying']);

/**
 * Backups as manual RDS snapshots (DB instance or Aurora cluster) with deterministic ids and
 * drillbook tags; the verification manifest lives in a ManifestStore, its point in a tag.
 * Retention only ever deletes snapshots tagged as drillbook's for this system.
 */
export class RdsSnapshots implements PollableBackupRepository {
  private readonly api: SnapshotApi;
  /** Present only when an offsite region is configured. */
  readonly copyOffsite?: (record: BackupRecord, progress: Progress) => Promise<Check>;

  constructor(private readonly options: RdsSnapshotsOptions) {
    this.api = snapshotApi(options.source);
    if (options.offsite) this.copyOffsite = (record, progress) => this.copyToOffsite(record, progress);
  }

  private tags(backupId: string): Tag[] {
    return [
      { Key: TAG.managed, Value: 'true' },
      { Key: TAG.system, Value: this.options.system },
      { Key: TAG.backupId, Value: backupId },
      ...(this.options.stage ? [{ Key: TAG.stage, Value: this.options.stage }] : []),
    ];
  }

  private isOurs(snapshot: Snapshot): boolean {
    return (
      tagValue(snapshot.tags, TAG.managed) === 'true' &&
      tagValue(snapshot.tags, TAG.system) === this.options.system &&
      (this.options.stage === undefined || tagValue(snapshot.tags, TAG.stage) === this.options.stage)
    );
  }

  private toRecord(snapshot: Snapshot, manifest: Manifest | null): BackupRecord {
    const created = (snapshot.createdAt ?? new Date(0)).toISOString();
    return {
      id: snapshot.id,
      system: this.options.system,
      takenAt: created,
      finishedAt: snapshot.status === AVAILABLE ? created : '',
      location: snapshot.arn,
      sizeBytes: snapshot.allocatedGiB === null ? null : snapshot.allocatedGiB * 1024 ** 3,
      manifest,
    };
  }

  /** Starts the snapshot; a redelivered run finds (or races into) the same id and reuses it. */
  async start(backupId: string, progress: Progress): Promise<BackupRecord> {
    const existing = await this.api.describe(this.options.client, backupId);
    if (existing) return this.reuse(existing, progress);
    progress.step(`creating snapshot ${backupId} of ${this.options.source.kind} ${this.options.source.id}`);
    try {
      await this.api.create(this.options.client, backupId, this.tags(backupId));
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (name === 'DBSnapshotAlreadyExistsFault' || name === 'DBClusterSnapshotAlreadyExistsFault') {
        const raced = await this.api.describe(this.options.client, backupId);
        if (raced) return this.reuse(raced, progress);
      }
      if (name === 'SnapshotQuotaExceededFault') {
        throw new AwsQuotaError(
          `snapshot quota exceeded in ${this.options.region}: cannot create ${backupId}; delete old manual snapshots or request a higher "Manual DB snapshots" quota`,
          { cause: error },
        );
      }
      throw error;
    }
    const created = await this.api.describe(this.options.client, backupId);
    if (!created) throw new BackupError(`snapshot ${backupId} was created but cannot be described`);
    return this.toRecord(created, null);
  }

  private reuse(snapshot: Snapshot, progress: Progress): BackupRecord {
    if (!this.isOurs(snapshot)) {
      throw new GuardError(
        `snapshot ${snapshot.id} exists but is not tagged ${TAG.managed}=true, ${TAG.system}=${this.options.system}: not reusing it`,
      );
    }
    progress.step(`snapshot ${snapshot.id} already exists (${snapshot.status}): reusing it`);
    return this.toRecord(snapshot, null);
  }

  async poll(backupId: string): Promise<BackupRecord | null> {
    const snapshot = await this.api.describe(this.options.client, backupId);
    if (!snapshot) throw new BackupError(`snapshot ${backupId} disappeared while being created`);
    if (snapshot.status === AVAILABLE) return this.toRecord(snapshot, null);
    if (IN_PROGRESS.has(snapshot.status)) return null;
    throw new BackupError(`snapshot ${backupId} is ${snapshot.status}`);
  }

  async take(backupId: string, progress: Progress): Promise<BackupRecord> {
    await this.start(backupId, progress);
    await waitFor(
      `snapshot ${backupId} to become available`,
      async () => (await this.poll(backupId)) ?? undefined,
      {
        timeoutMs: this.options.snapshotTimeoutMs,
        intervalMs: this.options.pollIntervalMs ?? 15_000,
      },
    );
    return (await this.get(backupId))!;
  }

  async list(): Promise<BackupRecord[]> {
    const ours = (await this.api.listAll(this.options.client)).filter((s) => this.isOurs(s));
    ours.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
    const records: BackupRecord[] = [];
    for (const snapshot of ours) {
      const hasManifest = tagValue(snapshot.tags, TAG.manifestPoint) !== undefined;
      const manifest = hasManifest
        ? await this.options.manifests.get(this.options.system, snapshot.id)
        : null;
      records.push(this.toRecord(snapshot, manifest));
    }
    return records;
  }

  async get(backupId: string): Promise<BackupRecord | null> {
    const snapshot = await this.api.describe(this.options.client, backupId);
    if (!snapshot || !this.isOurs(snapshot)) return null;
    const manifest = await this.options.manifests.get(this.options.system, backupId);
    return this.toRecord(snapshot, manifest);
  }

  manifestLocation(record: BackupRecord): string {
    return this.options.manifests.location?.(this.options.system, record.id) ?? record.location;
  }

  async attachManifest(record: BackupRecord, manifest: Manifest): Promise<BackupRecord> {
    await this.options.manifests.put(this.options.system, record.id, manifest);
    const point = manifest.restorePoint?.time ?? manifest.capturedAt;
    await this.api.addTags(this.options.client, record.location, [{ Key: TAG.manifestPoint, Value: point }]);
    return { ...record, manifest };
  }

  /** Deletes a snapshot (and its offsite copy) only when it carries this system's drillbook tags. */
  async remove(record: BackupRecord): Promise<void> {
    const snapshot = await this.api.describe(this.options.client, record.id);
    if (snapshot) {
      if (!this.isOurs(snapshot))
        throw new GuardError(`refusing to delete snapshot ${record.id}: not drillbook's`);
      await this.api.delete(this.options.client, record.id);
    }
    const offsite = this.options.offsite;
    if (offsite) {
      const copy = await this.api.describe(offsite.client, record.id);
      if (copy && this.isOurs(copy)) await this.api.delete(offsite.client, record.id);
    }
  }

  async verify(record: BackupRecord): Promise<Check[]> {
    const snapshot = await this.api.describe(this.options.client, record.id);
    const checks: Check[] = [
      snapshot?.status === AVAILABLE
        ? {
            name: 'snapshot-status',
            outcome: 'passed',
            detail: `${snapshot.id} available (${snapshot.allocatedGiB ?? '?'} GiB, ${snapshot.encrypted ? 'encrypted' : 'NOT encrypted'})`,
          }
        : {
            name: 'snapshot-status',
            outcome: 'failed',
            detail: snapshot ? `${snapshot.id} is ${snapshot.status}` : `snapshot ${record.id} not found`,
          },
    ];
    const pitr = await this.api.recoverability(this.options.client);
    checks.push(
      pitr.backupRetentionDays > 0
        ? {
            name: 'pitr-enabled',
            outcome: 'passed',
            detail: `automated backups kept ${pitr.backupRetentionDays} days (BackupRetentionPeriod)`,
          }
        : {
            name: 'pitr-enabled',
            outcome: 'failed',
            detail: `BackupRetentionPeriod is 0 on ${this.options.source.id}: no point-in-time recovery, drills cannot restore`,
          },
    );
    if (snapshot && !snapshot.encrypted) {
      checks.push({
        name: 'snapshot-encrypted',
        outcome: 'failed',
        detail: `${snapshot.id} is not encrypted at rest`,
      });
    }
    return checks;
  }

  /** LatestRestorableTime of the source; null when point-in-time recovery is off (retention 0). */
  async newestRestorablePoint(): Promise<Date | null> {
    const facts = await this.api.recoverability(this.options.client);
    return facts.backupRetentionDays > 0 ? facts.latestRestorableTime : null;
  }

  /** Starts (or finds) the copy of a finished snapshot in the offsite region; idempotent. */
  private async copyToOffsite(record: BackupRecord, progress: Progress): Promise<Check> {
    const offsite = this.options.offsite!;
    const existing = await this.api.describe(offsite.client, record.id);
    if (existing) {
      return {
        name: 'offsite-copy',
        outcome: existing.status === AVAILABLE || IN_PROGRESS.has(existing.status) ? 'passed' : 'failed',
        detail: `${record.id} in ${offsite.region}: ${existing.status}`,
      };
    }
    const source = await this.api.describe(this.options.client, record.id);
    if (!source) throw new BackupError(`snapshot ${record.id} not found for the offsite copy`);
    if (source.encrypted && !offsite.kmsKeyId) {
      // RDS refuses a cross-region copy of an encrypted snapshot without a key of the destination
      // region (KMS keys do not leave their region). Config cannot know the source is encrypted;
      // preflight's offsite-kms-key check says so before the first backup.
      return {
        name: 'offsite-copy',
        outcome: 'failed',
        detail: `${OFFSITE_KMS_FIELD}: ${record.id} is encrypted, and RDS copies an encrypted snapshot to ${offsite.region} only with a KMS key of that region: set ${OFFSITE_KMS_FIELD} to its ARN or alias`,
      };
    }
    progress.step(`copying ${record.id} to ${offsite.region}`);
    try {
      await this.api.copy(offsite.client, source, record.id, offsite.kmsKeyId);
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (name === 'SnapshotQuotaExceededFault') {
        throw new AwsQuotaError(
          `snapshot quota exceeded in ${offsite.region}: cannot copy ${record.id} offsite`,
          { cause: error },
        );
      }
      if (name !== 'DBSnapshotAlreadyExistsFault' && name !== 'DBClusterSnapshotAlreadyExistsFault')
        throw error;
    }
    return {
      name: 'offsite-copy',
      outcome: 'passed',
      detail: `copy of ${record.id} to ${offsite.region} started`,
    };
  }
}
