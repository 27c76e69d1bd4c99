import type { z } from 'zod';
import type { BackupState } from '../../jobs/backup/backupState.js';
import { captureBackupManifest } from '../../jobs/backup/captureBackupManifest.js';
import { checkPitrHealth } from '../../jobs/backup/checkPitrHealth.js';
import { copyBackupOffsite } from '../../jobs/backup/copyBackupOffsite.js';
import { finishBackup } from '../../jobs/backup/finishBackup.js';
import { pruneBackups } from '../../jobs/backup/pruneBackups.js';
import { verifyBackup } from '../../jobs/backup/verifyBackup.js';
import type { backupStateSchema } from '../events/stepFunctions.js';
import { logProgress } from '../handler.js';
import { publishing } from '../publishing.js';
import { awsRuntime } from '../runtime.js';
import { type BackupResult, backupDeps } from './backupShared.js';

/**
 * The BackupFinish state: offsite copy, manifest, verification, PITR health (lag in the report's
 * details), retention, report.
 */
export async function backupFinish(state: z.infer<typeof backupStateSchema>): Promise<BackupResult> {
  const rt = awsRuntime(state.options.system, logProgress);
  const { publishers, manifests } = publishing(rt.config);
  const d = backupDeps(rt, manifests);
  let next: BackupState = await copyBackupOffsite(d, state);
  next = await captureBackupManifest(d, next);
  next = await verifyBackup(d, next);
  next = await checkPitrHealth(d, next);
  next = await pruneBackups(d, next);
  const { report, location } = await finishBackup({ publishers }, next);
  return { reportId: report.id, outcome: report.outcome, location };
}
