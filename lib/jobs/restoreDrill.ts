import { BackupError, describeError } from '../core/errors.js';
import { compareManifest } from '../core/manifest.js';
import { judgeObjectives, measureObjectives } from '../core/objectives.js';
import { RunRecorder } from '../core/recorder.js';
import { type Report, reportId } from '../core/report.js';
import type {
  BackupRecord,
  BackupRepository,
  Progress,
  RestoreTarget,
  StagingHandle,
  StagingInspector,
} from '../ports.js';
import { type Publishers, publishReport } from './publish.js';

export interface RestoreDrillDeps {
  backups: BackupRepository;
  target: RestoreTarget;
  inspector: StagingInspector;
  publishers: Publishers;
  progress: Progress;
  signal: AbortSignal;
  now?: () => Date;
}

export interface RestoreDrillOptions {
  system: string;
  environment: string;
  /** Point in time to recover to; default: everything the archive holds, measured against the drill's start. */
  targetTime?: Date | undefined;
  /** A specific backup; default: the newest one whose manifest point precedes the target. */
  backupId?: string | undefined;
  mask: boolean;
  rpoTargetSeconds: number;
  rtoTargetSeconds: number;
}

export interface DrillResult {
  report: Report;
  location: string;
}

/**
 * A restore drill: check the backup, lay it down in staging, recover to the manifest's restore
 * point and verify it there, roll forward to the target and check the opened database, mask, and
 * always tear down. RTO runs from the drill's start to the moment verification passed; RPO is the
 * target time minus the newest heartbeat restored. The report is written whatever happens.
 */
export async function runRestoreDrill(
  deps: RestoreDrillDeps,
  options: RestoreDrillOptions,
): Promise<DrillResult> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const rec = new RunRecorder(
    'restore-drill',
    reportId('restore-drill', options.system, startedAt),
    options.system,
    options.environment,
    now,
  );
  const step = rec.stepsUntil(deps.signal);
  const recoveryTargetTime = options.targetTime ?? startedAt;
  rec.details['recoveryTarget'] = options.targetTime ? options.targetTime.toISOString() : 'latest';
  let handle: StagingHandle | undefined;
  let backup: BackupRecord | undefined;
  let verifiedAt: Date | null = null;
  let heartbeat: Date | null = null;

  try {
    backup = await chooseBackup(deps.backups, options);
    rec.details['backupId'] = backup.id;
    rec.details['backupTakenAt'] = backup.takenAt;
    deps.progress.step(
      `restore drill ${rec.id}: backup ${backup.id}, target ${rec.details['recoveryTarget']}`,
    );
    const manifest = backup.manifest!;
    const chosen = backup;
    await step('check-backup', async () => rec.addChecks(await deps.backups.verify(chosen)));
    if (rec.failed) throw new BackupError('the backup failed its integrity checks; not restoring it');
    handle = await step('provision', () => deps.target.provision(chosen, deps.progress, deps.signal));
    const staging = handle;
    await step('recover', () => deps.target.recoverToManifest(staging, chosen, deps.progress, deps.signal));
    await step('verify', async () => {
      deps.progress.step(`verifying ${manifest.tables.length} tables against the manifest`);
      rec.addChecks(compareManifest(manifest, await deps.inspector.fingerprint(staging, manifest)));
    });
    await step('roll-forward', () =>
      deps.target.rollForward(staging, { time: options.targetTime ?? null }, deps.progress, deps.signal),
    );
    await step('verify-target', async () => {
      deps.progress.step('checking indexes (amcheck), custom SQL checks and the newest heartbeat');
      rec.addChecks(await deps.inspector.integrityChecks(staging));
      heartbeat = await deps.inspector.newestHeartbeat(staging);
      rec.check(
        'heartbeat',
        heartbeat ? 'passed' : 'inconclusive',
        heartbeat
          ? `newest restored heartbeat ${heartbeat.toISOString()}`
          : 'no heartbeat row in the restored database',
      );
    });
    if (!rec.failed) verifiedAt = now();
    if (options.mask) {
      await step('mask', async () => {
        rec.addChecks([await deps.inspector.mask(staging)]);
      });
    } else {
      rec.skipPhase('mask', 'no masking rules configured');
    }
  } catch (error) {
    rec.fail(error);
    deps.progress.step(`drill failed: ${describeError(error)}`);
  } finally {
    if (handle) {
      const staging = handle;
      await rec
        .phase('teardown', () => deps.target.teardown(staging, deps.progress))
        .catch((error: unknown) => {
          rec.check(
            'teardown',
            'failed',
            `staging ${staging.id} may be left behind: ${describeError(error)}`,
          );
        });
    }
  }

  const measured = measureObjectives({
    drillStartedAt: startedAt,
    verifiedAt,
    recoveryTargetTime,
    newestHeartbeat: heartbeat,
    backupTakenAt: backup ? new Date(backup.takenAt) : null,
    newestRestorablePoint: await deps.backups.newestRestorablePoint().catch(() => null),
  });
  const targets = { rpoTargetSeconds: options.rpoTargetSeconds, rtoTargetSeconds: options.rtoTargetSeconds };
  for (const v of judgeObjectives(measured, targets)) rec.check(v.name, v.outcome, v.detail);
  const report = rec.finish({ objectives: { ...measured, ...targets } });
  const location = await publishReport(report, deps.publishers);
  return { report, location };
}

async function chooseBackup(backups: BackupRepository, options: RestoreDrillOptions): Promise<BackupRecord> {
  if (options.backupId) {
    const backup = await backups.get(options.backupId);
    if (!backup) throw new BackupError(`backup ${options.backupId} not found`);
    if (!backup.manifest) throw new BackupError(`backup ${options.backupId} has no verification manifest`);
    return backup;
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
  return chosen;
}
