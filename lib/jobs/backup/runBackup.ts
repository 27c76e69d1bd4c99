import type { Report } from '../../core/report.js';
import type { BackupRepository, ManifestKeySource, Progress, SourceDatabase } from '../../ports.js';
import type { Publishers } from '../publish.js';
import type { BackupOptions } from './backupState.js';
import { beginBackup } from './beginBackup.js';
import { captureBackupManifest } from './captureBackupManifest.js';
import { checkPitrHealth } from './checkPitrHealth.js';
import { finishBackup } from './finishBackup.js';
import { pruneBackups } from './pruneBackups.js';
import { takeBackup } from './takeBackup.js';
import { verifyBackup } from './verifyBackup.js';

export interface BackupDeps {
  backups: BackupRepository;
  source: SourceDatabase;
  publishers: Publishers;
  progress: Progress;
  signal: AbortSignal;
  now?: () => Date;
  /** Config backup.manifestKey: manifests are HMACed besides their digest. */
  manifestKey?: ManifestKeySource | undefined;
}

/**
 * The backup job: heartbeat, base backup, verification manifest (at a named restore point),
 * integrity checks, PITR health, retention. Writes its report whatever happens.
 *
 * The same steps (one file each in lib/jobs/backup/) run one Lambda each in the AWS state machine.
 */
export async function runBackup(
  deps: BackupDeps,
  options: BackupOptions,
): Promise<{ report: Report; location: string }> {
  let state = await beginBackup(deps, options);
  state = await takeBackup(deps, state);
  state = await captureBackupManifest(deps, state);
  state = await verifyBackup(deps, state);
  state = await checkPitrHealth(deps, state);
  state = await pruneBackups(deps, state);
  return finishBackup(deps, state);
}
