import { phase } from '../runState.js';
import { type BackupState, type BackupStepDeps, runBackupStep } from './backupState.js';

/** Integrity checks of the stored backup (pg_verifybackup + WAL continuity / snapshot status). */
export async function verifyBackup(deps: BackupStepDeps, state: BackupState): Promise<BackupState> {
  return runBackupStep(deps, state, async (rec) => {
    const record = (await deps.backups.get(state.options.backupId)) ?? state.record!;
    await phase(deps, rec, 'verify', async () => {
      deps.progress.step('verifying the backup');
      rec.addChecks(await deps.backups.verify(record));
    });
  });
}
