import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  AddTagsToResourceCommand,
  CreateDBSnapshotCommand,
  DBClusterNotFoundFault,
  type DBInstance,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  type DBSnapshot,
  DBSnapshotAlreadyExistsFault,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeEventsCommand,
  type Event,
  InvalidDBInstanceStateFault,
  InvalidDBSnapshotStateFault,
  PointInTimeRestoreNotEnabledFault,
  RDSClient,
  RDSServiceException,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type Tag,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { TimeoutError } from '../../lib/core/errors.js';
import { sleep } from '../../lib/core/wait.js';
import { makeServerTempDir } from '../../lib/local/exec.js';
import { LocalBackupRepository } from '../../lib/local/localBackupRepository.js';
import { LocalRestoreTarget } from '../../lib/local/localRestoreTarget.js';
import { withClient } from '../../lib/pg/connection.js';
import { type BackupRecord, type StagingHandle, silentProgress } from '../../lib/ports.js';
import type { ThrowawayPostgres } from '../helpers/postgres.js';
import { ACCOUNT, dbInstance, dbSnapshot, REGION, snapshotNotFound } from './rdsFixtures.js';

const meta = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'f0f0f0f0-0000-4000-8000-000000000000',
  attempts: 1,
  totalRetryDelay: 0,
});

const instanceNotFound = (id: string) =>
  new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, $metadata: meta(404) });

/** The API's generic 400 for a parameter it rejects (no modelled exception class). */
const invalidParameter = (name: string, message: string) =>
  new RDSServiceException({ name, $fault: 'client', message, $metadata: meta(400) });

/** Describe* page sizes: the API allows 20-100 (default 100). */
function page<T>(all: T[], input: { MaxRecords?: number | undefined; Marker?: string | undefined }) {
  const size = input.MaxRecords ?? 100;
  if (size < 20 || size > 100)
    throw invalidParameter(
      'InvalidParameterValue',
      `Invalid value ${size} for MaxRecords. Must be between 20 and 100`,
    );
  const from = input.Marker ? Number(input.Marker) : 0;
  const to = from + size;
  return { items: all.slice(from, to), ...(to < all.length ? { Marker: String(to) } : {}) };
}

/** A restore the API accepted: the time asked for, the base backup used and, once up, its port. */
export interface RestoreRecord {
  id: string;
  /** Null for a restore from a snapshot. */
  restoreTime: Date | null;
  base: string;
  port?: number;
}

/** What both restore calls take for the new instance. */
interface RestoreInput {
  DBInstanceClass?: string | undefined;
  DBSubnetGroupName?: string | undefined;
  VpcSecurityGroupIds?: string[] | undefined;
  DBParameterGroupName?: string | undefined;
  OptionGroupName?: string | undefined;
  Tags?: Tag[] | undefined;
}

interface SnapshotEntry {
  snap: DBSnapshot;
  /** The real base backup behind it (set once available). */
  record?: BackupRecord;
  job: Promise<void>;
}

interface InstanceEntry {
  db: DBInstance;
  /** A restore this fake performs (absent for instances a test adds as they are). */
  restore?: {
    handle: StagingHandle | null;
    job: Promise<void>;
    abort: AbortController;
  };
  deletion?: Promise<void>;
}

/**
 * The RDS API as far as drillbook uses it, real underneath (mocked with aws-sdk-client-mock,
 * answering with the real response shapes, states and errors):
 * - the source instance is a real throwaway Postgres; its WAL archive is the "automated backups",
 *   LatestRestorableTime the commit time of the newest archived WAL (shipped when a snapshot
 *   finishes and when a restore asks for a later time, as RDS ships WAL within minutes);
 * - CreateDBSnapshot takes a real base backup of it (the project's LocalBackupRepository),
 *   creating -> available; DeleteDBSnapshot removes it;
 * - RestoreDBInstanceFromDBSnapshot restores the snapshot's base backup to its consistent point;
 * - RestoreDBInstanceToPointInTime performs a real point-in-time restore (the project's
 *   LocalRestoreTarget: the newest base backup that finished before RestoreTime, WAL replayed to
 *   RestoreTime, promoted) into a new throwaway cluster on its own port: creating -> backing-up ->
 *   available, with that cluster's Endpoint; a restore that fails is "incompatible-restore" with
 *   the reason in DescribeEvents;
 * - DeleteDBInstance: deleting (a second delete: InvalidDBInstanceStateFault), then gone
 *   (DBInstanceNotFound), the cluster stopped and removed. The source has deletion protection.
 * - Describe* page by MaxRecords (20-100) and Marker; DescribeDBSnapshots filters by SnapshotType.
 */
export class FakeRds {
  readonly rds = mockClient(RDSClient);
  readonly secrets = mockClient(SecretsManagerClient);
  readonly snapshots = new Map<string, SnapshotEntry>();
  readonly instances = new Map<string, InstanceEntry>();
  readonly deleted: string[] = [];
  /** Restores requested (accepted by the API), with the time asked for and, once up, the port. */
  readonly restores: RestoreRecord[] = [];
  readonly calls: string[] = [];
  /** What DescribeDBInstances says of the source besides its endpoint (tests may change it). */
  readonly sourceFacts: Partial<DBInstance> = { BackupRetentionPeriod: 7 };
  /**
   * A broken restore for guard tests: restored instances report the source's endpoint (the
   * restore still runs), so every connection to "staging" reaches production.
   */
  restoredEndpointIsSource = false;
  /** The commit time of the newest WAL in the archive (null until the first snapshot or restore ships WAL). */
  latestRestorableTime: Date | null = null;

  private readonly dir = makeServerTempDir('frds-');
  private readonly backups: LocalBackupRepository;
  private readonly target: LocalRestoreTarget;
  private readonly events: Event[] = [];
  private shipping: Promise<unknown> = Promise.resolve();
  private readonly failures = new Map<string, { left: number; error: () => Error }>();
  private readonly hooks = new Map<string, () => void>();

  constructor(
    private readonly source: ThrowawayPostgres,
    readonly sourceId = 'shop-db',
  ) {
    const url = new URL(source.url());
    this.secrets.on(GetSecretValueCommand).resolves({
      ARN: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:shop/db-AbCdEf`,
      Name: 'shop/db',
      VersionId: 'a1b2c3d4-0000-4000-8000-000000000000',
      SecretString: JSON.stringify({
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        engine: 'postgres',
        port: Number(url.port),
      }),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date('2026-01-01T00:00:00Z'),
    });
    this.backups = new LocalBackupRepository(this.dir, 'fake-rds', source.url());
    this.target = new LocalRestoreTarget({
      workDir: join(this.dir, 'i'),
      archiveDir: source.archiveDir,
      sourceUrl: source.url(),
      recoveryTimeoutMs: 120_000,
    });
    this.install();
  }

  /** The source's endpoint, as DescribeDBInstances reports it. */
  get sourceEndpoint(): { host: string; port: number } {
    const url = new URL(this.source.url());
    return { host: url.hostname, port: Number(url.port) };
  }

  /** The next `count` calls of an operation (e.g. "RestoreDBInstanceToPointInTime") fail with `error()`. */
  failNext(operation: string, count: number, error: () => Error): void {
    if (count < 1) throw new Error(`failNext(${operation}): count must be at least 1`);
    this.failures.set(operation, { left: count, error });
  }

  /** How many of the failures failNext() armed for an operation are still to come. */
  failuresLeft(operation: string): number {
    return this.failures.get(operation)?.left ?? 0;
  }

  /** Runs `hook` once, right after the next call of `operation` that the API accepted. */
  after(operation: string, hook: () => void): void {
    this.hooks.set(operation, hook);
  }

  /** A snapshot that exists as given (no base backup behind it), e.g. another system's. */
  addSnapshot(snap: DBSnapshot): void {
    this.snapshots.set(snap.DBSnapshotIdentifier!, { snap, job: Promise.resolve() });
  }

  /** An instance that exists as given (no server behind it), e.g. an earlier drill's leftover. */
  addInstance(db: DBInstance): void {
    this.instances.set(db.DBInstanceIdentifier!, { db });
  }

  private gate<I, O>(operation: string, fn: (input: I) => O | Promise<O>): (input: I) => Promise<O> {
    return async (input) => {
      this.calls.push(operation);
      const failure = this.failures.get(operation);
      if (failure && failure.left > 0) {
        failure.left -= 1;
        throw failure.error();
      }
      const output = await fn(input);
      const hook = this.hooks.get(operation);
      this.hooks.delete(operation);
      hook?.();
      return output;
    };
  }

  private sourceInstance(): DBInstance {
    const { host, port } = this.sourceEndpoint;
    return dbInstance(this.sourceId, {
      Endpoint: { Address: host, Port: port, HostedZoneId: 'Z29XKXDKYMONMX' },
      DeletionProtection: true,
      LatestRestorableTime: this.latestRestorableTime ?? undefined,
      ...this.sourceFacts,
    });
  }

  private instance(id: string): DBInstance | undefined {
    if (id === this.sourceId) return this.sourceInstance();
    return this.instances.get(id)?.db;
  }

  /**
   * The daily automated backup RDS takes on its own ("rds:<instance>-<yyyy-mm-dd-hh-mm>",
   * SnapshotType "automated", untagged): a real base backup too, usable by point-in-time restores.
   */
  async takeAutomatedBackup(): Promise<string> {
    const at = new Date();
    const stamp = at.toISOString().slice(0, 16).replace(/[T:]/g, '-');
    const id = `rds:${this.sourceId}-${stamp}`;
    const entry = this.snapshot(id, 'automated', []);
    await entry.job;
    return id;
  }

  /** Starts a real base backup behind a snapshot: creating, then available (or failed). */
  private snapshot(id: string, type: 'manual' | 'automated', tags: Tag[]): SnapshotEntry {
    const snap = dbSnapshot(id, {
      DBInstanceIdentifier: this.sourceId,
      Status: 'creating',
      PercentProgress: 0,
      SnapshotCreateTime: new Date(),
      SnapshotType: type,
      TagList: tags,
      Port: this.sourceEndpoint.port,
    });
    const entry: SnapshotEntry = { snap, job: Promise.resolve() };
    entry.job = this.backups
      .take(id.replace(/:/g, '_'), silentProgress)
      .then(async (record) => {
        entry.record = record;
        await this.shipWal();
        snap.Status = 'available';
        snap.PercentProgress = 100;
      })
      .catch(() => {
        snap.Status = 'failed';
      });
    this.snapshots.set(id, entry);
    return entry;
  }

  private install(): void {
    this.rds.on(CreateDBSnapshotCommand).callsFake(
      this.gate('CreateDBSnapshot', (input) => {
        const id = input.DBSnapshotIdentifier!;
        if (input.DBInstanceIdentifier !== this.sourceId) throw instanceNotFound(input.DBInstanceIdentifier!);
        if (this.snapshots.has(id)) {
          throw new DBSnapshotAlreadyExistsFault({
            message: `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
            $metadata: meta(400),
          });
        }
        if (!/^[a-zA-Z][a-zA-Z0-9-]{0,254}$/.test(id) || id.includes('--') || id.endsWith('-')) {
          throw invalidParameter(
            'InvalidParameterValue',
            `The parameter DBSnapshotIdentifier is not a valid identifier.`,
          );
        }
        return { DBSnapshot: structuredClone(this.snapshot(id, 'manual', input.Tags ?? []).snap) };
      }),
    );
    this.rds.on(DescribeDBSnapshotsCommand).callsFake(
      this.gate('DescribeDBSnapshots', async (input) => {
        if (input.DBSnapshotIdentifier) {
          const entry = this.snapshots.get(input.DBSnapshotIdentifier);
          if (!entry) throw snapshotNotFound(input.DBSnapshotIdentifier);
          if (entry.snap.Status === 'creating') await settleOrWait(entry.job);
          return { DBSnapshots: [structuredClone(entry.snap)] };
        }
        // Without SnapshotType, automated and manual snapshots are listed (shared and public not).
        const all = [...this.snapshots.values()]
          .map((e) => e.snap)
          .filter((s) => !input.DBInstanceIdentifier || s.DBInstanceIdentifier === input.DBInstanceIdentifier)
          .filter((s) => !input.SnapshotType || s.SnapshotType === input.SnapshotType);
        const { items, ...marker } = page(all, input);
        return { DBSnapshots: items.map((s) => structuredClone(s)), ...marker };
      }),
    );
    this.rds.on(AddTagsToResourceCommand).callsFake(
      this.gate('AddTagsToResource', (input) => {
        const snapshot = [...this.snapshots.values()].find(
          (e) => e.snap.DBSnapshotArn === input.ResourceName,
        );
        if (snapshot) {
          snapshot.snap.TagList = mergeTags(snapshot.snap.TagList ?? [], input.Tags ?? []);
          return {};
        }
        const instance = [...this.instances.values()].find((e) => e.db.DBInstanceArn === input.ResourceName);
        if (instance) {
          instance.db.TagList = mergeTags(instance.db.TagList ?? [], input.Tags ?? []);
          return {};
        }
        if (input.ResourceName?.includes(':snapshot:'))
          throw snapshotNotFound(input.ResourceName.split(':').at(-1)!);
        throw instanceNotFound(input.ResourceName?.split(':').at(-1) ?? '');
      }),
    );
    this.rds.on(DeleteDBSnapshotCommand).callsFake(
      this.gate('DeleteDBSnapshot', async (input) => {
        const id = input.DBSnapshotIdentifier!;
        const entry = this.snapshots.get(id);
        if (!entry) throw snapshotNotFound(id);
        if (entry.snap.Status !== 'available' && entry.snap.Status !== 'failed') {
          throw new InvalidDBSnapshotStateFault({
            message: `Cannot delete the snapshot because it is not currently in the available state.`,
            $metadata: meta(400),
          });
        }
        this.snapshots.delete(id);
        if (entry.record) await this.backups.remove(entry.record);
        this.deleted.push(`snapshot:${id}`);
        return { DBSnapshot: { ...structuredClone(entry.snap), Status: 'deleted' } };
      }),
    );
    this.rds.on(DescribeDBInstancesCommand).callsFake(
      this.gate('DescribeDBInstances', async (input) => {
        if (!input.DBInstanceIdentifier) {
          const all = [this.sourceInstance(), ...[...this.instances.values()].map((e) => e.db)];
          const { items, ...marker } = page(all, input);
          return { DBInstances: items.map((db) => structuredClone(db)), ...marker };
        }
        const id = input.DBInstanceIdentifier;
        const entry = this.instances.get(id);
        if (entry?.restore && entry.db.DBInstanceStatus === 'creating') await settleOrWait(entry.restore.job);
        if (entry?.deletion) await settleOrWait(entry.deletion);
        const db = this.instance(id);
        if (!db) throw instanceNotFound(id);
        const answer = structuredClone(db);
        // A restored instance takes its first backup once up: backing-up, then available.
        if (entry && db.DBInstanceStatus === 'backing-up') db.DBInstanceStatus = 'available';
        return { DBInstances: [answer] };
      }),
    );
    this.rds.on(DescribeDBClustersCommand).callsFake(
      this.gate('DescribeDBClusters', (input) => {
        // This account has no Aurora clusters.
        if (input.DBClusterIdentifier) {
          throw new DBClusterNotFoundFault({
            message: `DBCluster ${input.DBClusterIdentifier} not found.`,
            $metadata: meta(404),
          });
        }
        return { DBClusters: [] };
      }),
    );
    this.rds.on(DescribeEventsCommand).callsFake(
      this.gate('DescribeEvents', (input) => ({
        Events: this.events.filter(
          (e) => !input.SourceIdentifier || e.SourceIdentifier === input.SourceIdentifier,
        ),
      })),
    );
    this.rds
      .on(RestoreDBInstanceToPointInTimeCommand)
      .callsFake(this.gate('RestoreDBInstanceToPointInTime', (input) => this.restoreToPointInTime(input)));
    this.rds
      .on(RestoreDBInstanceFromDBSnapshotCommand)
      .callsFake(this.gate('RestoreDBInstanceFromDBSnapshot', (input) => this.restoreFromSnapshot(input)));
    this.rds.on(DeleteDBInstanceCommand).callsFake(
      this.gate('DeleteDBInstance', (input) => {
        const id = input.DBInstanceIdentifier!;
        if (id === this.sourceId) {
          throw invalidParameter(
            'InvalidParameterCombination',
            'Cannot delete protected DB Instance, please disable deletion protection and try again.',
          );
        }
        const entry = this.instances.get(id);
        if (!entry) throw instanceNotFound(id);
        if (entry.db.DBInstanceStatus === 'deleting') {
          throw new InvalidDBInstanceStateFault({
            message: `Instance ${id} is already being deleted.`,
            $metadata: meta(400),
          });
        }
        entry.db.DBInstanceStatus = 'deleting';
        this.deleted.push(`db:${id}`);
        entry.deletion = this.tearDown(id, entry);
        return { DBInstance: structuredClone(entry.db) };
      }),
    );
  }

  private async restoreToPointInTime(
    input: RestoreInput & {
      SourceDBInstanceIdentifier?: string | undefined;
      TargetDBInstanceIdentifier?: string | undefined;
      RestoreTime?: Date | undefined;
      UseLatestRestorableTime?: boolean | undefined;
    },
  ) {
    const id = input.TargetDBInstanceIdentifier!;
    if (input.SourceDBInstanceIdentifier !== this.sourceId)
      throw instanceNotFound(input.SourceDBInstanceIdentifier ?? '');
    this.assertFree(id);
    if ((this.sourceInstance().BackupRetentionPeriod ?? 0) === 0) {
      throw new PointInTimeRestoreNotEnabledFault({
        message: `Point-in-time restore is not enabled for DB instance ${this.sourceId}.`,
        $metadata: meta(400),
      });
    }
    const requested = input.UseLatestRestorableTime ? null : (input.RestoreTime ?? null);
    // RDS ships WAL every few minutes: a time since the last shipment waits for the next one.
    if (!this.latestRestorableTime || (requested && requested > this.latestRestorableTime))
      await this.shipWal();
    const restoreTime = requested ?? this.latestRestorableTime!;
    if (restoreTime > this.latestRestorableTime!) {
      throw invalidParameter(
        'InvalidParameterValue',
        `The restore time ${restoreTime.toISOString()} is after the latest restorable time ${this.latestRestorableTime!.toISOString()}`,
      );
    }
    const base = [...this.snapshots.values()]
      .map((e) => e.record)
      .filter((r): r is BackupRecord => !!r && new Date(r.finishedAt) <= restoreTime)
      .sort((a, b) => b.finishedAt.localeCompare(a.finishedAt))[0];
    if (!base) {
      throw invalidParameter(
        'InvalidParameterValue',
        `The restore time ${restoreTime.toISOString()} is before the earliest restorable time of ${this.sourceId}`,
      );
    }
    return this.startRestore(id, input, base, restoreTime, (handle, signal) =>
      this.target.rollForward(handle, { time: restoreTime }, silentProgress, signal),
    );
  }

  /** A restore of a snapshot: its base backup, recovered to its consistent point, promoted. */
  private restoreFromSnapshot(
    input: RestoreInput & {
      DBInstanceIdentifier?: string | undefined;
      DBSnapshotIdentifier?: string | undefined;
    },
  ) {
    const id = input.DBInstanceIdentifier!;
    const snapshot = this.snapshots.get(input.DBSnapshotIdentifier ?? '');
    if (!snapshot) throw snapshotNotFound(input.DBSnapshotIdentifier ?? '');
    if (snapshot.snap.Status !== 'available' || !snapshot.record) {
      throw new InvalidDBSnapshotStateFault({
        message: `Snapshot ${input.DBSnapshotIdentifier} is not in the available state.`,
        $metadata: meta(400),
      });
    }
    this.assertFree(id);
    return this.startRestore(id, input, snapshot.record, null, async (handle) => {
      await withClient(handle.connectionString, (c) => c.query('SELECT pg_promote(true, 60)'));
    });
  }

  private assertFree(id: string): void {
    if (this.instance(id)) {
      throw new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', $metadata: meta(400) });
    }
  }

  /** The new instance (creating, no endpoint yet) and its restore running in the background. */
  private startRestore(
    id: string,
    input: RestoreInput,
    base: BackupRecord,
    restoreTime: Date | null,
    finish: (handle: StagingHandle, signal: AbortSignal) => Promise<void>,
  ) {
    const db = dbInstance(id, {
      DBInstanceStatus: 'creating',
      DBInstanceClass: input.DBInstanceClass,
      Endpoint: undefined,
      LatestRestorableTime: undefined,
      InstanceCreateTime: new Date(),
      TagList: input.Tags ?? [],
      DeletionProtection: false,
      DBSubnetGroup: { DBSubnetGroupName: input.DBSubnetGroupName },
      VpcSecurityGroups: (input.VpcSecurityGroupIds ?? []).map((sg: string) => ({
        VpcSecurityGroupId: sg,
        Status: 'active',
      })),
      ...(input.DBParameterGroupName
        ? {
            DBParameterGroups: [
              { DBParameterGroupName: input.DBParameterGroupName, ParameterApplyStatus: 'in-sync' },
            ],
          }
        : {}),
      ...(input.OptionGroupName
        ? { OptionGroupMemberships: [{ OptionGroupName: input.OptionGroupName, Status: 'in-sync' }] }
        : {}),
    });
    const restore: RestoreRecord = { id, restoreTime, base: base.id };
    this.restores.push(restore);
    const entry: InstanceEntry = {
      db,
      restore: { handle: null, job: Promise.resolve(), abort: new AbortController() },
    };
    entry.restore!.job = this.restoreInto(entry, base, finish, restore);
    this.instances.set(id, entry);
    return { DBInstance: structuredClone(db) };
  }

  /** The real restore: base backup copied, recovered to its consistent point, then `finish`ed (and open). */
  private async restoreInto(
    entry: InstanceEntry,
    base: BackupRecord,
    finish: (handle: StagingHandle, signal: AbortSignal) => Promise<void>,
    restore: RestoreRecord,
  ): Promise<void> {
    const job = entry.restore!;
    try {
      job.handle = await this.target.provision(base, silentProgress, job.abort.signal);
      await this.target.recoverToManifest(
        job.handle,
        { ...base, manifest: null },
        silentProgress,
        job.abort.signal,
      );
      await finish(job.handle, job.abort.signal);
      const port = Number(new URL(job.handle.connectionString).port);
      restore.port = port;
      if (entry.db.DBInstanceStatus !== 'creating') return; // deleted meanwhile
      const { host, port: sourcePort } = this.sourceEndpoint;
      entry.db.Endpoint = this.restoredEndpointIsSource
        ? { Address: host, Port: sourcePort, HostedZoneId: 'Z29XKXDKYMONMX' }
        : { Address: '127.0.0.1', Port: port, HostedZoneId: 'Z29XKXDKYMONMX' };
      entry.db.DBInstanceStatus = 'backing-up';
    } catch (error) {
      if (entry.db.DBInstanceStatus !== 'creating') return;
      entry.db.DBInstanceStatus = 'incompatible-restore';
      this.events.push({
        SourceIdentifier: entry.db.DBInstanceIdentifier,
        SourceType: 'db-instance',
        Message: `Database instance put into incompatible-restore. ${(error as Error).message}`,
        EventCategories: ['failure'],
        Date: new Date(),
        SourceArn: entry.db.DBInstanceArn,
      });
    }
  }

  private async tearDown(id: string, entry: InstanceEntry): Promise<void> {
    if (entry.restore) {
      entry.restore.abort.abort();
      await entry.restore.job;
      if (entry.restore.handle) await this.target.teardown(entry.restore.handle, silentProgress);
    }
    this.instances.delete(id);
  }

  /**
   * Ships WAL: a commit on the source (RDS's own housekeeping writes do the same), its segment
   * closed and archived; LatestRestorableTime becomes that commit's time.
   */
  private shipWal(): Promise<Date> {
    const next = this.shipping.then(async () => {
      const [row] = await this.source.cluster.query<{ at: Date }>(
        'SELECT pg_current_xact_id()::text AS xid, now() AS at',
      );
      const [wal] = await this.source.cluster.query<{ name: string }>(
        'SELECT pg_walfile_name(pg_switch_wal()) AS name',
      );
      const file = join(this.source.archiveDir, wal!.name);
      for (let i = 0; !existsSync(file); i++) {
        if (i >= 200) throw new TimeoutError(`fake RDS: WAL segment ${wal!.name} not archived within 20s`);
        await sleep(100);
      }
      this.latestRestorableTime = row!.at;
      return row!.at;
    });
    this.shipping = next.catch(() => {});
    return next;
  }

  /** Waits until every snapshot, restore and delete under way has finished. */
  async idle(): Promise<void> {
    await Promise.allSettled([
      ...[...this.snapshots.values()].map((e) => e.job),
      ...[...this.instances.values()].flatMap((e) => [e.restore?.job, e.deletion]),
    ]);
  }

  /** Waits for every snapshot, restore and delete; removes what is left (servers, base backups). */
  async close(): Promise<void> {
    this.restore();
    await Promise.allSettled([...this.snapshots.values()].map((e) => e.job));
    for (const [id, entry] of this.instances) {
      if (entry.deletion) await entry.deletion.catch(() => {});
      else await this.tearDown(id, entry).catch(() => {});
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops answering (the SDK clients go back to their real behaviour). */
  restore(): void {
    this.rds.restore();
    this.secrets.restore();
  }
}

/** A Describe call takes a moment while work runs: it answers when the work ends or 50 ms passed. */
async function settleOrWait(job: Promise<unknown>): Promise<void> {
  await Promise.race([job.catch(() => {}), sleep(50)]);
}

function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const keys = new Set(added.map((t) => t.Key));
  return [...existing.filter((t) => !keys.has(t.Key)), ...added];
}
