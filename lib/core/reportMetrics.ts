import { elapsed } from './markdown.js';
import { catchUpReadItsStream, type Report } from './report.js';

/** One CloudWatch data point, independent of the SDK's types (the adapter maps it). */
export interface MetricDatum {
  name: string;
  value: number;
  unit: 'Seconds' | 'Count' | 'Count/Second' | 'None';
  dimensions: { System: string; Kind: Report['kind'] };
  timestamp: Date;
}

/**
 * The metrics a report publishes, all with dimensions System + Kind and the report's finish time.
 *
 * Every kind: RunPassed / RunFailed / RunInconclusive (0 or 1, so an alarm can fire on Maximum >= 1
 * of RunFailed, and "missing data" means "the job did not run"), FailedChecks, RunDurationSeconds.
 * Restore drills (any report with objectives): RpoSeconds, RtoSeconds, their targets, and
 * RpoBreached / RtoBreached (1 when the measured figure exceeds the target OR could not be measured:
 * an objective that was not demonstrated counts as breached). BackupAgeSeconds and
 * RestorableLagSeconds when known (from objectives, or numeric details of a backup report).
 * Drills whose catch-up phase was reached (restore.catchUp): ServiceRtoBreached (against the RTO
 * target, 1 also when the read models did not catch up or the phase failed or was skipped), and
 * when it ran ServiceRtoSeconds (once caught up), CatchUpEvents, CatchUpSeconds and
 * CatchUpOutboxToRepublish. A drill that failed before it publishes none of these.
 * Replay rehearsals: ReplayEventsPerSecond, ReplayEvents, ReplayGaps, ReplayDuplicates,
 * ReplaySchemaViolations, ReplayDigestMismatch.
 * Secret rotation: RotationFailed (0/1). Rotation audit: RotationsFlagged (failed + inconclusive checks).
 */
export function reportMetrics(report: Report): MetricDatum[] {
  const dimensions = { System: report.system, Kind: report.kind };
  const timestamp = new Date(report.finishedAt);
  const out: MetricDatum[] = [];
  const add = (name: string, value: number, unit: MetricDatum['unit']) => {
    if (Number.isFinite(value)) out.push({ name, value, unit, dimensions, timestamp });
  };

  add('RunPassed', report.outcome === 'passed' ? 1 : 0, 'Count');
  add('RunFailed', report.outcome === 'failed' ? 1 : 0, 'Count');
  add('RunInconclusive', report.outcome === 'inconclusive' ? 1 : 0, 'Count');
  add('FailedChecks', report.checks.filter((c) => c.outcome === 'failed').length, 'Count');
  add('RunDurationSeconds', Math.max(0, elapsed(report.startedAt, report.finishedAt)), 'Seconds');

  const o = report.objectives;
  if (o) {
    if (o.rpoSeconds !== null) add('RpoSeconds', o.rpoSeconds, 'Seconds');
    if (o.rtoSeconds !== null) add('RtoSeconds', o.rtoSeconds, 'Seconds');
    add('RpoTargetSeconds', o.rpoTargetSeconds, 'Seconds');
    add('RtoTargetSeconds', o.rtoTargetSeconds, 'Seconds');
    add('RpoBreached', breached(o.rpoSeconds, o.rpoTargetSeconds), 'Count');
    add('RtoBreached', breached(o.rtoSeconds, o.rtoTargetSeconds), 'Count');
  }
  const backupAge = o?.backupAgeSeconds ?? numericDetail(report, 'backupAgeSeconds');
  if (backupAge !== null && backupAge !== undefined) add('BackupAgeSeconds', backupAge, 'Seconds');
  const lag = o?.restorableLagSeconds ?? numericDetail(report, 'restorableLagSeconds');
  if (lag !== null && lag !== undefined) add('RestorableLagSeconds', lag, 'Seconds');

  const c = report.catchUp;
  if (c && o) {
    const service = o.serviceRtoSeconds ?? null;
    if (service !== null) add('ServiceRtoSeconds', service, 'Seconds');
    add('ServiceRtoBreached', breached(service, o.rtoTargetSeconds), 'Count');
    // A phase skipped or failed before it read a stream has no figures (not zeros).
    if (catchUpReadItsStream(c)) {
      add('CatchUpEvents', c.events, 'Count');
      add('CatchUpSeconds', c.seconds, 'Seconds');
      add('CatchUpOutboxToRepublish', c.outboxToRepublish, 'Count');
    }
  }

  const r = report.replay;
  if (r) {
    add('ReplayEventsPerSecond', r.eventsPerSecond, 'Count/Second');
    add('ReplayEvents', r.events, 'Count');
    add('ReplayGaps', r.gaps.length, 'Count');
    add('ReplayDuplicates', r.duplicates, 'Count');
    add('ReplaySchemaViolations', r.schemaViolations, 'Count');
    if (r.expectedDigest !== undefined)
      add('ReplayDigestMismatch', r.expectedDigest === r.digest ? 0 : 1, 'Count');
  }

  if (report.kind === 'secret-rotation') add('RotationFailed', report.outcome === 'failed' ? 1 : 0, 'Count');
  if (report.kind === 'rotation-audit') {
    const flagged = report.checks.filter((c) => c.outcome === 'failed' || c.outcome === 'inconclusive');
    add('RotationsFlagged', flagged.length, 'Count');
  }
  return out;
}

function breached(measured: number | null, target: number): number {
  return measured === null || measured > target ? 1 : 0;
}

function numericDetail(report: Report, name: string): number | null {
  const value = report.details?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
