import { BackupError, describeError } from '../../core/errors.js';
import { orphanCheck } from '../../core/orphans.js';
import type { RunRecorder } from '../../core/recorder.js';
import type { BackupRecord, BackupRepository, RestoreTarget } from '../../ports.js';
import { manifestIntegrityOf } from '../manifestSeal.js';
import { clockOf, phase } from '../runState.js';
import {
  type DrillOptions,
  type DrillState,
  type DrillStepDeps,
  drillState,
  runDrillStep,
  startDrillRun,
} from './drillState.js';

/**
 * Starts the drill: removes staging that killed drills left behind (the `orphaned-staging` check;
 * a leftover that cannot be removed fails the check, not the drill's start), picks the backup and
 * checks it.
 */
export async function beginDrill(
  deps: DrillStepDeps & { target?: Pick<RestoreTarget, 'sweepOrphans'> },
  options: DrillOptions,
): Promise<DrillState> {
  const now = clockOf(deps);
  const startedAt = now();
  const state = drillState(startDrillRun(options, now, startedAt), options, startedAt, null);
  return runDrillStep(deps, state, async (r, next) => {
    await sweepOrphans(deps, r);
    const { backup, skipped } = await chooseBackup(deps.backups, options);
    if (skipped.length > 0) {
      // A newer backup whose manifest capture failed (its report says why) cannot be verified.
      r.details['skippedBackups'] = skipped;
      deps.progress.step(`skipped newer backup(s) without a manifest: ${skipped.join(', ')}`);
    }
    next.backupId = backup.id;
    r.details['backupId'] = backup.id;
    r.details['backupTakenAt'] = backup.takenAt;
    deps.progress.step(`restore drill ${r.id}: backup ${backup.id}, target ${r.details['recoveryTarget']}`);
    const verified = await phase(deps, r, 'check-backup', async () => {
      const integrity = await manifestIntegrityOf(deps.backups, backup, deps.manifestKey);
      const checks = [integrity, ...(await deps.backups.verify(backup))];
      r.addChecks(checks);
      if (integrity.outcome === 'failed') throw new BackupError(`${integrity.detail}; not restoring it`);
      return checks;
    });
    // Only the backup's own checks: a failed orphan sweep is reported, but does not stop the drill.
    if (verified.some((c) => c.outcome === 'failed'))
      throw new BackupError('the backup failed its integrity checks; not restoring it');
  });
}

/** The sweep of earlier drills' leftovers, as one check; errors a state machine retries are thrown. */
async function sweepOrphans(
  deps: DrillStepDeps & { target?: Pick<RestoreTarget, 'sweepOrphans'> },
  rec: RunRecorder,
): Promise<void> {
  if (!deps.target?.sweepOrphans) return;
  try {
    rec.addChecks([orphanCheck(await deps.target.sweepOrphans(deps.progress))]);
  } catch (error) {
    if (deps.rethrow?.(error)) throw error;
    rec.check('orphaned-staging', 'failed', `could not look for leftover staging: ${describeError(error)}`);
  }
}

/** The backup to restore, and the newer ones passed over because they have no manifest. */
async function chooseBackup(
  backups: BackupRepository,
  options: DrillOptions,
): Promise<{ backup: BackupRecord; skipped: string[] }> {
  if (options.backupId) {
    const backup = await backups.get(options.backupId);
    if (!backup) throw new BackupError(`backup ${options.backupId} not found`);
    if (!backup.manifest) throw new BackupError(`backup ${options.backupId} has no verification manifest`);
    return { backup, skipped: [] };
  }
  const all = await backups.list();
  const usable = all.filter(
    (b) =>
      b.manifest &&
      (!options.targetTime ||
        new Date(b.manifest.restorePoint?.time ?? b.manifest.capturedAt) <= options.targetTime),
  );
  const chosen = usable[0];
  if (!chosen) {
    throw new BackupError(
      all.length === 0
        ? 'no backups found: run `drillbook backup` first'
        : `no backup with a manifest ${options.targetTime ? `taken before ${options.targetTime.toISOString()}` : ''}`.trim(),
    );
  }
  const skipped = all.filter((b) => !b.manifest && b.takenAt > chosen.takenAt).map((b) => b.id);
  return { backup: chosen, skipped };
}
