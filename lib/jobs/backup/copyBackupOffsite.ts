import type { PollableBackupRepository } from '../../ports.js';
import { phase } from '../runState.js';
import { type BackupState, type BackupStepDeps, runBackupStep } from './backupState.js';

/** Offsite copy (RDS: a second region), when the repository supports and is configured for it. */
export async function copyBackupOffsite(
  deps: BackupStepDeps & { backups: PollableBackupRepository },
  state: BackupState,
): Promise<BackupState> {
  return runBackupStep(deps, state, async (rec) => {
    const copy = deps.backups.copyOffsite?.bind(deps.backups);
    if (!copy) {
      rec.skipPhase('offsite-copy', 'no offsite copy configured');
      return;
    }
    const record = state.record!;
    await phase(deps, rec, 'offsite-copy', async () => rec.addChecks([await copy(record, deps.progress)]));
  });
}
