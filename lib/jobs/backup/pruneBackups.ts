import { planRetention } from '../../core/retention.js';
import { clockOf, phase } from '../runState.js';
import { type BackupState, type BackupStepDeps, runBackupStep } from './backupState.js';

/** Retention: deletes what planRetention says may go (and archived WAL no backup needs). */
export async function pruneBackups(deps: BackupStepDeps, state: BackupState): Promise<BackupState> {
  return runBackupStep(deps, state, async (rec) => {
    await phase(deps, rec, 'prune', async () => {
      const all = await deps.backups.list();
      const plan = planRetention(
        all.map((b) => ({ ...b, takenAt: new Date(b.takenAt) })),
        state.options.retention,
        clockOf(deps)(),
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
