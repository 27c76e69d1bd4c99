import { describeError, TimeoutError } from '../../core/errors.js';
import type { RunRecorder } from '../../core/recorder.js';
import type { BackupRecord, PollableBackupRepository } from '../../ports.js';
import { clockOf, phase, recordSpannedPhase } from '../runState.js';
import { type BackupState, type BackupStepDeps, runBackupStep } from './backupState.js';

const withoutManifest = (record: BackupRecord): BackupRecord => ({ ...record, manifest: null });

function noteTaken(rec: RunRecorder, record: BackupRecord): void {
  rec.details['location'] = record.location;
  rec.details['sizeBytes'] = record.sizeBytes;
}

/** Takes the base backup in-process (local path). */
export async function takeBackup(deps: BackupStepDeps, state: BackupState): Promise<BackupState> {
  return runBackupStep(deps, state, async (rec, next) => {
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
  return runBackupStep(deps, state, async (rec, next) => {
    const startedAt = clockOf(deps)().toISOString();
    try {
      const started = await deps.backups.start(state.options.backupId, deps.progress);
      next.record = withoutManifest(started);
      next.takeStartedAt = startedAt;
    } catch (error) {
      if (!deps.rethrow?.(error)) {
        recordSpannedPhase(rec, 'base-backup', startedAt, clockOf(deps)(), 'failed', describeError(error));
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
  return runBackupStep(deps, state, async (rec, next) => {
    const started = state.takeStartedAt ?? state.run.startedAt;
    const now = clockOf(deps)();
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
