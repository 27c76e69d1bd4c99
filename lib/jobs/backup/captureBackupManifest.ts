import { sealManifest } from '../../core/manifestDigest.js';
import type { SourceDatabase } from '../../ports.js';
import { readManifestKey } from '../manifestSeal.js';
import { phase } from '../runState.js';
import { type BackupState, type BackupStepDeps, runBackupStep } from './backupState.js';

/** The verification manifest captured from the source and stored with the backup. */
export async function captureBackupManifest(
  deps: BackupStepDeps & { source: SourceDatabase },
  state: BackupState,
): Promise<BackupState> {
  return runBackupStep(deps, state, async (rec) => {
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
