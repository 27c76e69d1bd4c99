import { describeError } from '../../core/errors.js';
import type { RunRecorder } from '../../core/recorder.js';
import type { BackupRecord, PollableBackupRepository } from '../../ports.js';
import { clockOf, phase, pollSpannedPhase, recordSpannedPhase } from '../runState.js';
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
    const id = state.options.backupId;
    const done = await pollSpannedPhase(
      deps,
      rec,
      {
        name: 'base-backup',
        startedAt: state.takeStartedAt ?? state.run.startedAt,
        timeoutSeconds,
        waitingFor: `backup ${id}`,
        stillRunning: (seconds) => `backup ${id} still being made (${seconds}s)`,
      },
      () => deps.backups.poll(id),
    );
    if (!done) return;
    noteTaken(rec, done);
    next.record = withoutManifest(done);
    next.taken = true;
  });
}
