import { formatDuration } from '../../core/objectives.js';
import { clockOf, phase } from '../runState.js';
import { type BackupState, type BackupStepDeps, runBackupStep } from './backupState.js';

/** PITR health: how far the newest restorable point lags, against the RPO target. */
export async function checkPitrHealth(deps: BackupStepDeps, state: BackupState): Promise<BackupState> {
  return runBackupStep(deps, state, async (rec) => {
    await phase(deps, rec, 'pitr-health', async () => {
      const newest = await deps.backups.newestRestorablePoint();
      const lag = newest ? (clockOf(deps)().getTime() - newest.getTime()) / 1000 : null;
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
