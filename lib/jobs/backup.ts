import { describeError } from '../core/errors.js';
import { formatDuration } from '../core/objectives.js';
import { RunRecorder } from '../core/recorder.js';
import { type Report, reportId } from '../core/report.js';
import { planRetention, type RetentionPolicy } from '../core/retention.js';
import type { BackupRepository, Progress, SourceDatabase } from '../ports.js';
import { type Publishers, publishReport } from './publish.js';

export interface BackupDeps {
  backups: BackupRepository;
  source: SourceDatabase;
  publishers: Publishers;
  progress: Progress;
  signal: AbortSignal;
  now?: () => Date;
}

export interface BackupOptions {
  system: string;
  environment: string;
  /** Deterministic ids make a redelivered run reuse the backup instead of taking a second one. */
  backupId: string;
  retention: RetentionPolicy;
  rpoTargetSeconds: number;
}

/**
 * The backup job: heartbeat, base backup, verification manifest (at a named restore point),
 * integrity checks, PITR health, retention. Writes its report whatever happens.
 */
export async function runBackup(
  deps: BackupDeps,
  options: BackupOptions,
): Promise<{ report: Report; location: string }> {
  const now = deps.now ?? (() => new Date());
  const rec = new RunRecorder(
    'backup',
    reportId('backup', options.system, now()),
    options.system,
    options.environment,
    now,
  );
  const step = rec.stepsUntil(deps.signal);
  rec.details['backupId'] = options.backupId;
  try {
    await step('heartbeat', async () => {
      const beat = await deps.source.writeHeartbeat();
      rec.check('heartbeat', 'passed', `heartbeat written at ${beat.toISOString()}`);
    });
    if (deps.source.checkArchiving) {
      const check = await deps.source.checkArchiving();
      rec.addChecks([check]);
    }
    const taken = await step('base-backup', () => deps.backups.take(options.backupId, deps.progress));
    rec.details['location'] = taken.location;
    rec.details['sizeBytes'] = taken.sizeBytes;
    const record = taken.manifest
      ? taken
      : await step('manifest', async () => {
          deps.progress.step('capturing the verification manifest (row counts, checksums, migration head)');
          const manifest = await deps.source.captureManifest({
            system: options.system,
            backupId: options.backupId,
          });
          rec.check(
            'manifest',
            'passed',
            `${manifest.tables.length} tables, ${manifest.tables.reduce((n, t) => n + t.rows, 0)} rows, migration head ${manifest.migrationHead ?? '(none)'}${manifest.restorePoint ? `, restore point ${manifest.restorePoint.name}` : ''}`,
          );
          return deps.backups.attachManifest(taken, manifest);
        });
    if (taken.manifest) rec.check('manifest', 'passed', 'reused the manifest of the existing backup');
    await step('verify', async () => {
      deps.progress.step('verifying the backup (pg_verifybackup, WAL continuity)');
      rec.addChecks(await deps.backups.verify(record));
    });
    await step('pitr-health', async () => {
      const newest = await deps.backups.newestRestorablePoint();
      const lag = newest ? (now().getTime() - newest.getTime()) / 1000 : null;
      rec.details['restorableLagSeconds'] = lag;
      rec.check(
        'pitr-health',
        lag === null ? 'failed' : lag <= options.rpoTargetSeconds ? 'passed' : 'failed',
        lag === null
          ? 'nothing restorable found in the archive'
          : `newest restorable point ${formatDuration(lag)} old (RPO target ${formatDuration(options.rpoTargetSeconds)})`,
      );
    });
    await step('prune', async () => {
      const all = await deps.backups.list();
      const plan = planRetention(
        all.map((b) => ({ ...b, takenAt: new Date(b.takenAt) })),
        options.retention,
        now(),
      );
      for (const doomed of plan.delete) {
        deps.progress.step(`pruning backup ${doomed.id} (${doomed.takenAt.toISOString()})`);
        await deps.backups.remove({ ...doomed, takenAt: doomed.takenAt.toISOString() });
      }
      const walFiles = deps.backups.pruneArchive ? await deps.backups.pruneArchive() : 0;
      const monthly = plan.keep.filter((k) => k.reason === 'monthly').length;
      rec.details['pruned'] = plan.delete.map((d) => d.id);
      rec.check(
        'retention',
        'passed',
        `kept ${plan.keep.length} (${monthly} monthly), pruned ${plan.delete.length} backups and ${walFiles} WAL files (max age ${options.retention.maxAgeDays} days, keep ${options.retention.keepMonthly} monthly)`,
      );
    });
  } catch (error) {
    rec.fail(error);
    deps.progress.step(`backup failed: ${describeError(error)}`);
  }
  const report = rec.finish();
  const location = await publishReport(report, deps.publishers);
  return { report, location };
}
