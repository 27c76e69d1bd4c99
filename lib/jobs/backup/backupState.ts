import { describeError, TimeoutError } from '../../core/errors.js';
import { sealManifest } from '../../core/manifestDigest.js';
import { formatDuration } from '../../core/objectives.js';
import type { RunRecorder } from '../../core/recorder.js';
import type { Report } from '../../core/report.js';
import { planRetention, type RetentionPolicy } from '../../core/retention.js';
import type {
  BackupRecord,
  BackupRepository,
  ManifestKeySource,
  PollableBackupRepository,
  SourceDatabase,
} from '../../ports.js';
import { readManifestKey } from '../manifestSeal.js';
import { type Publishers, publishReportOnce } from '../publish.js';
import {
  clockOf,
  phase,
  type RunState,
  recordSpannedPhase,
  resumeRecorder,
  type StepDeps,
  stepRunner,
  toRunState,
} from '../runState.js';
import { startRun } from '../startRun.js';

/**
 * The backup job as separate steps over a JSON state: the local CLI calls them one after another
 * (the base backup is taken in-process); the AWS state machine runs one Lambda per step and polls
 * the snapshot in between. A step after a failure passes the state on, so the report is always written.
 */
export interface BackupOptions {
  system: string;
  environment: string;
  /** Deterministic ids make a redelivered run reuse the backup instead of taking a second one. */
  backupId: string;
  retention: RetentionPolicy;
  rpoTargetSeconds: number;
}

export interface BackupState {
  run: RunState;
  options: BackupOptions;
  /** The backup, without its manifest (kept in the repository, not carried from step to step). */
  record: BackupRecord | null;
  takeStartedAt: string | null;
  /** The backup is usable (or the run failed): the state machine's wait loop ends. */
  taken: boolean;
}

export interface BackupStepDeps extends StepDeps {
  backups: BackupRepository;
  /** Config backup.manifestKey: manifests are HMACed with it besides their digest. */
  manifestKey?: ManifestKeySource | undefined;
}

const clock = clockOf;

/** Runs `body` unless the backup already failed; a failure ends the snapshot wait loop. */
const stepOn = stepRunner<BackupState>('backup', (next) => {
  next.taken = true;
});

const withoutManifest = (record: BackupRecord): BackupRecord => ({ ...record, manifest: null });

/** Heartbeat (the RPO probe a drill finds in the restored copy) and the archiving check. */
export async function beginBackup(
  deps: BackupStepDeps & { source: SourceDatabase },
  options: BackupOptions,
): Promise<BackupState> {
  const rec = startRun('backup', options, { now: clock(deps), details: { backupId: options.backupId } });
  const state: BackupState = {
    run: toRunState(rec),
    options,
    record: null,
    takeStartedAt: null,
    taken: false,
  };
  return stepOn(deps, state, async (r) => {
    await phase(deps, r, 'heartbeat', async () => {
      const beat = await deps.source.writeHeartbeat();
      r.check('heartbeat', 'passed', `heartbeat written at ${beat.toISOString()}`);
    });
    if (deps.source.checkArchiving) r.addChecks([await deps.source.checkArchiving()]);
  });
}

function noteTaken(rec: RunRecorder, record: BackupRecord): void {
  rec.details['location'] = record.location;
  rec.details['sizeBytes'] = record.sizeBytes;
}

/** Takes the base backup in-process (local path). */
export async function takeBackup(deps: BackupStepDeps, state: BackupState): Promise<BackupState> {
  return stepOn(deps, state, async (rec, next) => {
    const taken = await phase(deps, rec, 'base-backup', () =>
      deps.backups.take(state.options.backupId, deps.progress),
    );
    noteTaken(rec, taken);
    next.record = taken;
    next.taken = true;
  });
}

/** Starts the backup (RDS: CreateDBSnapshot with a deterministic id); the state machine polls it. */
export async function startBackup(
  deps: BackupStepDeps & { backups: PollableBackupRepository },
  state: BackupState,
): Promise<BackupState> {
  return stepOn(deps, state, async (rec, next) => {
    const startedAt = clock(deps)().toISOString();
    try {
      const started = await deps.backups.start(state.options.backupId, deps.progress);
      next.record = withoutManifest(started);
      next.takeStartedAt = startedAt;
    } catch (error) {
      if (!deps.rethrow?.(error)) {
        recordSpannedPhase(rec, 'base-backup', startedAt, clock(deps)(), 'failed', describeError(error));
      }
      throw error;
    }
  });
}

/** One look at a started backup; fails the run when it is not usable within `timeoutSeconds`. */
export async function pollBackup(
  deps: BackupStepDeps & { backups: PollableBackupRepository },
  state: BackupState,
  timeoutSeconds: number,
): Promise<BackupState> {
  if (state.taken) return state;
  return stepOn(deps, state, async (rec, next) => {
    const started = state.takeStartedAt ?? state.run.startedAt;
    const now = clock(deps)();
    let done: BackupRecord | null;
    try {
      done = await deps.backups.poll(state.options.backupId);
    } catch (error) {
      if (deps.rethrow?.(error)) throw error;
      recordSpannedPhase(rec, 'base-backup', started, now, 'failed', describeError(error));
      throw error;
    }
    if (done) {
      recordSpannedPhase(rec, 'base-backup', started, now, 'passed');
      noteTaken(rec, done);
      next.record = withoutManifest(done);
      next.taken = true;
      return;
    }
    const elapsed = (now.getTime() - new Date(started).getTime()) / 1000;
    if (elapsed > timeoutSeconds) {
      const error = new TimeoutError(
        `timed out after ${Math.round(timeoutSeconds)}s waiting for backup ${state.options.backupId}`,
      );
      recordSpannedPhase(rec, 'base-backup', started, now, 'failed', error.message);
      throw error;
    }
    deps.progress.step(`backup ${state.options.backupId} still being made (${Math.round(elapsed)}s)`);
  });
}

/** Offsite copy (RDS: a second region), when the repository supports and is configured for it. */
export async function copyBackupOffsite(
  deps: BackupStepDeps & { backups: PollableBackupRepository },
  state: BackupState,
): Promise<BackupState> {
  return stepOn(deps, state, async (rec) => {
    const copy = deps.backups.copyOffsite?.bind(deps.backups);
    if (!copy) {
      rec.skipPhase('offsite-copy', 'no offsite copy configured');
      return;
    }
    const record = state.record!;
    await phase(deps, rec, 'offsite-copy', async () => rec.addChecks([await copy(record, deps.progress)]));
  });
}

/** The verification manifest captured from the source and stored with the backup. */
export async function captureBackupManifest(
  deps: BackupStepDeps & { source: SourceDatabase },
  state: BackupState,
): Promise<BackupState> {
  return stepOn(deps, state, async (rec) => {
    const stored = await deps.backups.get(state.options.backupId);
    if (stored?.manifest) {
      rec.check('manifest', 'passed', 'reused the manifest of the existing backup');
      return;
    }
    const record = stored ?? state.record!;
    await phase(deps, rec, 'manifest', async () => {
      // Read before the capture (which holds locks on the source), so a missing key costs nothing.
      const key = await readManifestKey(deps.manifestKey);
      deps.progress.step('capturing the verification manifest (row counts, checksums, migration head)');
      const manifest = await deps.source.captureManifest({
        system: state.options.system,
        backupId: state.options.backupId,
        onLocks: (locks) => {
          rec.details['manifestLocks'] = locks;
        },
      });
      rec.check(
        'manifest',
        'passed',
        `${manifest.tables.length} tables, ${manifest.tables.reduce((n, t) => n + t.rows, 0)} rows, migration head ${manifest.migrationHead ?? '(none)'}${manifest.restorePoint ? `, restore point ${manifest.restorePoint.name}` : ''}`,
      );
      await deps.backups.attachManifest(record, sealManifest(manifest, key));
    });
  });
}

/** Integrity checks of the stored backup (pg_verifybackup + WAL continuity / snapshot status). */
export async function verifyBackup(deps: BackupStepDeps, state: BackupState): Promise<BackupState> {
  return stepOn(deps, state, async (rec) => {
    const record = (await deps.backups.get(state.options.backupId)) ?? state.record!;
    await phase(deps, rec, 'verify', async () => {
      deps.progress.step('verifying the backup');
      rec.addChecks(await deps.backups.verify(record));
    });
  });
}

/** PITR health: how far the newest restorable point lags, against the RPO target. */
export async function checkPitrHealth(deps: BackupStepDeps, state: BackupState): Promise<BackupState> {
  return stepOn(deps, state, async (rec) => {
    await phase(deps, rec, 'pitr-health', async () => {
      const newest = await deps.backups.newestRestorablePoint();
      const lag = newest ? (clock(deps)().getTime() - newest.getTime()) / 1000 : null;
      rec.details['restorableLagSeconds'] = lag;
      const target = state.options.rpoTargetSeconds;
      rec.check(
        'pitr-health',
        lag === null ? 'failed' : lag <= target ? 'passed' : 'failed',
        lag === null
          ? 'nothing restorable found (point-in-time recovery off or no archive)'
          : `newest restorable point ${formatDuration(lag)} old (RPO target ${formatDuration(target)})`,
      );
    });
  });
}

/** Retention: deletes what planRetention says may go (and archived WAL no backup needs). */
export async function pruneBackups(deps: BackupStepDeps, state: BackupState): Promise<BackupState> {
  return stepOn(deps, state, async (rec) => {
    await phase(deps, rec, 'prune', async () => {
      const all = await deps.backups.list();
      const plan = planRetention(
        all.map((b) => ({ ...b, takenAt: new Date(b.takenAt) })),
        state.options.retention,
        clock(deps)(),
      );
      for (const doomed of plan.delete) {
        deps.progress.step(`pruning backup ${doomed.id} (${doomed.takenAt.toISOString()})`);
        await deps.backups.remove({ ...doomed, takenAt: doomed.takenAt.toISOString() });
      }
      const walFiles = deps.backups.pruneArchive ? await deps.backups.pruneArchive() : 0;
      const monthly = plan.keep.filter((k) => k.reason === 'monthly').length;
      rec.details['pruned'] = plan.delete.map((d) => d.id);
      const { maxAgeDays, keepMonthly } = state.options.retention;
      rec.check(
        'retention',
        'passed',
        `kept ${plan.keep.length} (${monthly} monthly), pruned ${plan.delete.length} backups and ${walFiles} WAL files (max age ${maxAgeDays} days, keep ${keepMonthly} monthly)`,
      );
    });
  });
}

/** Records an error the state machine caught (a step that failed past its retries). */
export function recordCaught(
  state: BackupState,
  caught: { error: string; cause?: string },
  now: () => Date = () => new Date(),
): BackupState {
  const rec = resumeRecorder(state.run, now);
  rec.fail(`${caught.error}: ${caught.cause ?? 'no cause given'}`);
  return { ...state, taken: true, run: toRunState(rec) };
}

/** Writes the report (stored, RUNBOOK.md, metrics, chat). */
export async function finishBackup(
  deps: { publishers: Publishers; now?: () => Date },
  state: BackupState,
): Promise<{ report: Report; location: string }> {
  return publishReportOnce(resumeRecorder(state.run, clock(deps)).finish(), deps.publishers);
}

/** A run that failed before its first step returned (the state machine caught it): only its report is left to write. */
export function backupFailedBeforeStart(
  options: BackupOptions,
  caught: { error: string; cause?: string },
  now: () => Date = () => new Date(),
): BackupState {
  const rec = startRun('backup', options, { now, details: { backupId: options.backupId } });
  rec.fail(`${caught.error}: ${caught.cause ?? 'no cause given'}`);
  return { run: toRunState(rec), options, record: null, takeStartedAt: null, taken: true };
}
