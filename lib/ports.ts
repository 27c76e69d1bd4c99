/**
 * The interfaces the jobs need from the outside world. lib/local and lib/aws implement them;
 * lib/jobs orchestrates them around the pure logic in lib/core. Nothing here does I/O.
 */

import type { ProbeConfig, SliConfig } from './core/canary/canaryConfig.js';
import type {
  DeploymentState,
  DeploymentVersions,
  HookStatus,
  StopResult,
} from './core/canary/deployments.js';
import type { SliSeries } from './core/canary/judge.js';
import type { Manifest, RestoredFingerprint } from './core/manifest.js';
import type { OrphanSweep } from './core/orphans.js';
import type { CanonicalEntry } from './core/replay/digest.js';
import type { Check, Report } from './core/report.js';
import type { SecretAuditFacts } from './core/rotation/audit.js';
import type { SecretListFilter } from './core/rotation/secretFilter.js';

/** Where reports and RUNBOOK.md live: a local folder or S3, same key layout. */
export interface RunbookStore {
  /** Stores `<key>.json` and `<key>.md`; never overwrites an existing report. Returns where it went. */
  putReport(report: Report, markdown: string): Promise<string>;
  /** Reports, newest first, optionally filtered. */
  listReports(filter?: { kind?: Report['kind']; system?: string; limit?: number }): Promise<Report[]>;
  getReport(id: string): Promise<Report | null>;
  readRunbook(): Promise<string | null>;
  writeRunbook(text: string): Promise<void>;
  /** Extra files (HTML report, golden digests) under the same root. */
  putFile?(key: string, body: string, contentType: string): Promise<string>;
  getFile?(key: string): Promise<string | null>;
  /**
   * Creates `key` only if it does not exist yet, atomically (S3 If-None-Match, a hard link
   * locally): exactly one of several concurrent callers wins; the others get what the winner wrote.
   */
  claimFile?(key: string, body: string): Promise<{ claimed: true } | { claimed: false; existing: string }>;
  /** Gives a claim back (deletes `key`; nothing if it is gone), so the next claimant can win. */
  releaseClaim?(key: string): Promise<void>;
}

/** Chat (Slack-compatible webhook, or stdout). Failures to post never fail a job. */
export interface Chat {
  postReport(report: Report, location: string): Promise<void>;
}

/** CloudWatch metrics (or nothing, locally). */
export interface Metrics {
  publishReport(report: Report): Promise<void>;
}

/** Progress of long local steps, for a person watching. */
export interface Progress {
  step(message: string): void;
}

export const silentProgress: Progress = { step: () => {} };

/** One stored backup: a local base backup or an RDS snapshot. */
export interface BackupRecord {
  id: string;
  system: string;
  /** When the backup's data is from (start of pg_basebackup / snapshot creation time). */
  takenAt: string;
  finishedAt: string;
  /** Folder path or snapshot ARN. */
  location: string;
  sizeBytes: number | null;
  manifest: Manifest | null;
}

/** Takes, lists, verifies and removes backups of one source. */
export interface BackupRepository {
  take(backupId: string, progress: Progress): Promise<BackupRecord>;
  list(): Promise<BackupRecord[]>;
  get(backupId: string): Promise<BackupRecord | null>;
  attachManifest(record: BackupRecord, manifest: Manifest): Promise<BackupRecord>;
  remove(record: BackupRecord): Promise<void>;
  /** Integrity checks of the stored backup itself (pg_verifybackup, snapshot status, WAL continuity). */
  verify(record: BackupRecord): Promise<Check[]>;
  /** The newest moment a restore could reach (newest archived WAL / LatestRestorableTime). */
  newestRestorablePoint(): Promise<Date | null>;
  /** Drops archived WAL no remaining backup needs; returns how many files went (local target). */
  pruneArchive?(): Promise<number>;
  /** Where the backup's manifest is stored (a file, an object key), for messages. */
  manifestLocation?(record: BackupRecord): string;
}

/** The key that HMACs manifests (config backup.manifestKey): a secret, read when needed, never logged. */
export interface ManifestKeySource {
  /** The secret's id (named in checks and errors). */
  id: string;
  read(): Promise<string>;
}

/** The production database, read-only except for the heartbeat row and the restore point. */
export interface SourceDatabase {
  writeHeartbeat(): Promise<Date>;
  /** `onLocks` learns how long production's writes were held for the manifest's point. */
  captureManifest(meta: {
    system: string;
    backupId: string;
    onLocks?: (locks: ManifestLocks) => void;
  }): Promise<Manifest>;
  /** Is continuous archiving healthy (local target)? */
  checkArchiving?(): Promise<Check>;
}

/** How the manifest's point was held (the backup report's `details.manifestLocks`). */
export interface ManifestLocks {
  /** Lock attempts made (1 when nothing was in the way). */
  attempts: number;
  /** From the first lock request until every lock was granted, backoffs included. */
  waitedMs: number;
  /** From every lock granted until every lock released: how long writes to the tables waited. */
  heldMs: number;
  /** When every lock was granted, and when they were released (ISO-8601). */
  lockedAt: string;
  releasedAt: string;
  databases: number;
  /** When attempts failed: who was in the way the last time (describeBlockers). */
  waitedFor?: string;
}

/** Where a drill recovers to; `null` time means "everything the archive holds". */
export interface RecoveryTarget {
  time: Date | null;
}

/** A staging database created by a drill. Opaque to the jobs except for its connection string. */
export interface StagingHandle {
  id: string;
  connectionString: string;
}

/**
 * A staging environment to restore into. Implementations must refuse to tear down or change
 * anything they did not create as tagged staging.
 */
export interface RestoreTarget {
  /** Lay the backup down in staging (copy files / restore snapshot). */
  provision(backup: BackupRecord, progress: Progress, signal: AbortSignal): Promise<StagingHandle>;
  /**
   * Replay to the manifest's consistent point and hold there, readable, for verification. May return
   * an updated handle (RDS: the endpoint is known only once the restored instance is available).
   */
  recoverToManifest(
    handle: StagingHandle,
    backup: BackupRecord,
    progress: Progress,
    signal: AbortSignal,
    // biome-ignore lint/suspicious/noConfusingVoidType: the local target returns nothing; RDS returns the handle
  ): Promise<StagingHandle | undefined | void>;
  /** Continue to the drill's recovery target and open the database read-write. */
  rollForward(
    handle: StagingHandle,
    target: RecoveryTarget,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<void>;
  /** Idempotent; only removes what carries the drill's staging tag/marker. */
  teardown(handle: StagingHandle, progress: Progress): Promise<void>;
  /**
   * Finds staging that earlier drills left behind (killed before teardown) and removes the orphans:
   * only what carries the staging marker/tags, never staging whose drill may still be running.
   * With `dryRun` it only lists. Cheap when there is nothing to do.
   */
  sweepOrphans?(progress: Progress, options?: { dryRun?: boolean }): Promise<OrphanSweep>;
  /**
   * Checks the target made while recovering, once recovered: settings it had to raise for the
   * source (local), the parameter and option groups the copy runs with and whether they are applied (RDS).
   */
  recoveryChecks?(handle: StagingHandle): Promise<Check[]>;
  /** The staging server's log (its newest part), also after teardown; null when there is none. */
  serverLog?(handle: StagingHandle): Promise<string | null>;
}

/** What a drill reads from (and masks in) the restored staging database; shared by AWS and local. */
export interface StagingInspector {
  /** Fingerprints of the manifest's tables (in each of its databases), the migration head and the server version. */
  fingerprint(handle: StagingHandle, manifest: Manifest): Promise<RestoredFingerprint>;
  /**
   * Whether the copy reproduces the source's manifest facts: recovery settings at least the
   * source's, preloaded libraries, encodings and collations, extensions present and loadable.
   */
  sourceFidelity(handle: StagingHandle, manifest: Manifest): Promise<Check[]>;
  /** amcheck and the configured SQL checks, on the opened database. */
  integrityChecks(handle: StagingHandle, manifest: Manifest): Promise<Check[]>;
  newestHeartbeat(handle: StagingHandle): Promise<Date | null>;
  /** Applies PII masking after the staging guard; one check describing what was masked. */
  mask(handle: StagingHandle): Promise<Check>;
}

// --- Reporting (issue 7): secrets the publishers need ---

/** Reads a secret's current value (Secrets Manager on AWS). Callers never log the value. */
export interface SecretValueReader {
  readSecret(secretId: string): Promise<string>;
}

// --- canary auto-halt (CodeDeploy, alarm tags, SLIs, smoke probes) ---

/** CodeDeploy (or the local deployment registry): read deployments, stop them, answer hooks. */
export interface CanaryDeployments {
  /** Every deployment of the group created at or after `since`, whatever its status (all pages). */
  recentDeployments(application: string, deploymentGroup: string, since: Date): Promise<DeploymentState[]>;
  getDeployment(deploymentId: string): Promise<DeploymentState>;
  /** The Lambda versions the deployment shifts between (its AppSpec). */
  versions(deploymentId: string): Promise<DeploymentVersions>;
  /** StopDeployment with autoRollbackEnabled; a deployment that already completed is not an error. */
  stopDeployment(deploymentId: string): Promise<StopResult>;
  putHookStatus(deploymentId: string, hookExecutionId: string, status: HookStatus): Promise<void>;
}

/** Tags of a CloudWatch alarm, for guardrails matched by tag. */
export interface AlarmTags {
  tagsOf(alarmArn: string): Promise<Record<string, string>>;
}

/** Per-version SLIs over a window (CloudWatch GetMetricData). */
export interface SliSource {
  /** `signal`: aborted once the answer no longer matters (the hook answered); retries stop then. */
  fetch(
    sli: SliConfig,
    version: string,
    window: { start: Date; end: Date },
    signal?: AbortSignal,
  ): Promise<SliSeries>;
}

/** Runs one smoke probe against the new version; never throws, the check says what happened. */
export interface SmokeProber {
  probe(probe: ProbeConfig, signal?: AbortSignal): Promise<Check>;
}

// --- replay rehearsal ---------------------------------------------------------------------------

/** What a stream says about itself when a rehearsal pins its window. */
export interface EventStreamState {
  stream: string;
  firstSeq: number;
  lastSeq: number;
  messages: number;
  /** The stream's duplicate window (Nats-Msg-Id de-duplication), when the server says. */
  duplicateWindowSeconds?: number;
}

/** One event of a window, as read from the stream. */
export interface StreamEvent {
  seq: number;
  subject: string;
  msgId: string | undefined;
  data: Uint8Array;
  /** When the server stored it (ms since the epoch), when known. */
  time?: number;
}

export interface WindowReadStats {
  events: number;
  /** How many times the read resumed after a broken connection. */
  resumes: number;
}

/**
 * Reads an event stream read-only (ordered, ephemeral consumers; never acks, never creates a
 * durable consumer). `readWindow` delivers the window's messages in sequence order, resuming from
 * the last sequence read after a broken connection (bounded), and throws when it cannot finish.
 */
export interface EventStreamReader {
  state(stream: string): Promise<EventStreamState>;
  /** Sequences the server reports as deleted between from and to. */
  deletedIn(stream: string, fromSeq: number, toSeq: number): Promise<Set<number>>;
  readWindow(
    stream: string,
    window: { fromSeq: number; toSeq: number },
    onEvent: (event: StreamEvent) => void | Promise<void>,
    signal?: AbortSignal,
  ): Promise<WindowReadStats>;
  close(): Promise<void>;
}

/** A projection table at its checkpoint: the rows as the projection's canonical entries. */
export interface ProjectionTableState {
  table: string;
  checkpoint: number;
  digest: string;
  rows: number;
  entries: CanonicalEntry[];
}

/** The live read model in Postgres, digested the way the projection digests its replayed state. */
export interface LiveProjectionSource {
  /** Reads checkpoint and rows in one snapshot; null when the checkpoint table has no row. */
  digest(): Promise<{ table: string; checkpoint: number; digest: string; rows: number } | null>;
  /**
   * The same snapshot with the rows as canonical entries, so a rehearsal can start from the table
   * at its checkpoint (the live table, or a restored copy of it).
   */
  state?(): Promise<ProjectionTableState | null>;
  close(): Promise<void>;
}

/** The product's outbox table: rows whose id is the Nats-Msg-Id of the message they produced. */
export interface OutboxSource {
  readonly table: string;
  /** Ids of the first `bound` rows (by the outbox's order column). */
  rowIds(bound: number): Promise<string[]>;
  /** Of these ids, those with no row in the outbox. */
  missing(ids: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

/** A restored outbox: the rows the relay had not yet published at the restore point. */
export interface UnpublishedOutboxSource {
  readonly table: string;
  /** Ids (the messages' Nats-Msg-Id) of up to `bound` unpublished rows, and how many there are. */
  unpublished(bound: number): Promise<{ ids: string[]; count: number }>;
  /** Of `ids`, those whose row is marked published (read on the live outbox). */
  publishedAmong(ids: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Secret rotation (issue 6): a secret store with Secrets Manager's version and staging-label
// semantics, implemented by lib/aws/secretsManagerStore.ts and lib/local/fileSecretStore.ts.

/**
 * DescribeSecret, reduced to what rotation and the audit use: the audit's facts (id is the ARN
 * on AWS, the name locally; versions are VersionIdsToStages; pendingSince is when the version
 * holding AWSPENDING was created, null when unknown, absent when nothing is pending) plus tags.
 */
export interface SecretDescription extends SecretAuditFacts {
  versions: Record<string, string[]>;
  tags: Record<string, string>;
}

export interface SecretVersion {
  versionId: string;
  stages: string[];
  /** The secret string. Never log it. */
  value: string;
}

export type { SecretListFilter };

export interface SecretStore {
  /** Throws SecretNotFoundError when the secret does not exist. */
  describe(secretId: string): Promise<SecretDescription>;
  /** GetSecretValue by version id and/or stage; throws SecretNotFoundError when there is no such version/stage. */
  getValue(secretId: string, select: { versionId?: string; stage?: string }): Promise<SecretVersion>;
  /** PutSecretValue with ClientRequestToken = versionId and VersionStages = stages. Idempotent for the same value. */
  putValue(secretId: string, versionId: string, value: string, stages: string[]): Promise<void>;
  /** UpdateSecretVersionStage (moving AWSCURRENT puts AWSPREVIOUS on the old version). */
  updateStage(
    secretId: string,
    move: { stage: string; moveToVersionId?: string; removeFromVersionId?: string },
  ): Promise<void>;
  /** ListSecrets (all pages), optionally only those carrying a tag (and every exact pair in `alsoTagged`). */
  list(filter?: SecretListFilter): Promise<SecretDescription[]>;
}

// ---- Work that outlasts one Lambda (AWS backups and drills, issue 3): started, then polled ----

/** A backup repository whose backups take longer than one step (RDS snapshots). */
export interface PollableBackupRepository extends BackupRepository {
  /** Starts taking the backup; idempotent under redelivery (the same id never makes a second one). */
  start(backupId: string, progress: Progress): Promise<BackupRecord>;
  /** The finished record once the backup is usable; null while it is still being made; throws if it failed. */
  poll(backupId: string): Promise<BackupRecord | null>;
  /** Copies a finished backup offsite (another region) when configured; idempotent. */
  copyOffsite?(record: BackupRecord, progress: Progress): Promise<Check>;
}

/** A restore target whose recovery takes longer than one step (an RDS restore). */
export interface PollableRestoreTarget extends RestoreTarget {
  /** The handle (with its endpoint) once the restored database is usable; null while still being made. */
  pollRecovery(handle: StagingHandle): Promise<StagingHandle | null>;
  /** The recovery target this target really reaches for a backup (RDS: the manifest's point; no roll-forward). */
  recoveryPointFor(backup: BackupRecord, target: RecoveryTarget): Date | null;
}
