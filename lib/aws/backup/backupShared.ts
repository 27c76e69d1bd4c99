import { slug } from '../../core/report.js';
import type { BackupOptions } from '../../jobs/backup/backupState.js';
import { awsManifestKey } from '../manifestKey.js';
import type { ManifestStore } from '../manifestStore.js';
import { isTransientAwsError } from '../retry.js';
import { type AwsRuntime, snapshotsOf, sourceOf } from '../runtime.js';

/**
 * What the backup state machine's steps share on AWS (one file per step beside this one, each
 * named like its function and ASL state: backupStart, backupPoll, backupFinish, backupFailed).
 * Each step builds its adapters from the config and calls the shared steps of lib/jobs/backup/.
 */

/** A Lambda step is never cancelled from outside: its timeout is the ASL's TimeoutSeconds. */
export const never = new AbortController().signal;

export function backupDeps(rt: AwsRuntime, manifests: ManifestStore) {
  return {
    backups: snapshotsOf(rt, manifests),
    source: sourceOf(rt),
    progress: rt.progress,
    signal: never,
    rethrow: isTransientAwsError,
    manifestKey: awsManifestKey(rt),
  };
}

/**
 * drillbook-<stage>-<system>-<YYYYMMDD> (drillbook-<system>-<YYYYMMDD> without a stage): one
 * snapshot a day, the same id for a redelivered run, never another stage's.
 */
export function dailyBackupId(system: string, at: Date, stage?: string): string {
  const day = at.toISOString().slice(0, 10).replace(/-/g, '');
  const scope = stage ? `${slug(stage)}-${slug(system)}` : slug(system);
  return `drillbook-${scope}-${day}`.replace(/-+/g, '-');
}

export function backupOptionsFor(rt: AwsRuntime, backupId: string): BackupOptions {
  return {
    system: rt.system.name,
    environment: rt.system.environment,
    backupId,
    retention: rt.system.backup.retention,
    rpoTargetSeconds: rt.system.objectives.rpoMinutes * 60,
  };
}

/** What backupFinish and backupFailed answer the state machine (its BackupPassed Choice reads `outcome`). */
export interface BackupResult {
  reportId: string;
  outcome: string;
  location: string;
}
