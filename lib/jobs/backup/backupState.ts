import type { RetentionPolicy } from '../../core/retention.js';
import type { BackupRecord, BackupRepository, ManifestKeySource } from '../../ports.js';
import { type RunState, type StepDeps, stepRunner } from '../runState.js';

/**
 * The backup job as separate steps over a JSON state: the local CLI calls them one after another
 * (the base backup is taken in-process); the AWS state machine runs one Lambda per step and polls
 * the snapshot in between. A step after a failure passes the state on, so the report is always written.
 * Each step has its file in lib/jobs/backup/, named for it; runBackup.ts runs them in order.
 */
export interface BackupOptions {
  system: string;
  environment: string;
  /** Deterministic ids make a redelivered run reuse the backup instead of taking a second one. */
  backupId: string;
  retention: RetentionPolicy;
  rpoTargetSeconds: number;
}

export interface BackupState {
  run: RunState;
  options: BackupOptions;
  /** The backup, without its manifest (kept in the repository, not carried from step to step). */
  record: BackupRecord | null;
  takeStartedAt: string | null;
  /** The backup is usable (or the run failed): the state machine's wait loop ends. */
  taken: boolean;
}

export interface BackupStepDeps extends StepDeps {
  backups: BackupRepository;
  /** Config backup.manifestKey: manifests are HMACed with it besides their digest. */
  manifestKey?: ManifestKeySource | undefined;
}

/** Runs `body` unless the backup already failed; a failure ends the snapshot wait loop. */
export const runBackupStep = stepRunner<BackupState>('backup', (next) => {
  next.taken = true;
});
