import type { SourceDatabase } from '../../ports.js';
import { clockOf, phase, toRunState } from '../runState.js';
import { startRun } from '../startRun.js';
import { type BackupOptions, type BackupState, type BackupStepDeps, runBackupStep } from './backupState.js';

/** Heartbeat (the RPO probe a drill finds in the restored copy) and the archiving check. */
export async function beginBackup(
  deps: BackupStepDeps & { source: SourceDatabase },
  options: BackupOptions,
): Promise<BackupState> {
  const rec = startRun('backup', options, { now: clockOf(deps), details: { backupId: options.backupId } });
  const state: BackupState = {
    run: toRunState(rec),
    options,
    record: null,
    takeStartedAt: null,
    taken: false,
  };
  return runBackupStep(deps, state, async (r) => {
    await phase(deps, r, 'heartbeat', async () => {
      const beat = await deps.source.writeHeartbeat();
      r.check('heartbeat', 'passed', `heartbeat written at ${beat.toISOString()}`);
    });
    if (deps.source.checkArchiving) r.addChecks([await deps.source.checkArchiving()]);
  });
}
