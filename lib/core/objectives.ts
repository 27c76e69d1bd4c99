/**
 * RPO and RTO exactly as docs/CONTRACTS.md defines them.
 *
 * - RTO: from the drill's start to the moment the restored database passed verification.
 *   Teardown is not part of it. If verification never passed there is no RTO (null).
 * - RPO: the data-loss window: the recovery target time minus the newest committed heartbeat
 *   found in the restored database. No heartbeat found: null (unknown, never zero).
 */
export interface ObjectiveInputs {
  drillStartedAt: Date;
  verifiedAt: Date | null;
  recoveryTargetTime: Date;
  newestHeartbeat: Date | null;
  backupTakenAt?: Date | null;
  newestRestorablePoint?: Date | null;
}

export interface MeasuredObjectives {
  rpoSeconds: number | null;
  rtoSeconds: number | null;
  backupAgeSeconds: number | null;
  restorableLagSeconds: number | null;
}

export function measureObjectives(input: ObjectiveInputs): MeasuredObjectives {
  return {
    rtoSeconds: input.verifiedAt
      ? seconds(input.verifiedAt.getTime() - input.drillStartedAt.getTime())
      : null,
    // A heartbeat newer than the target cannot be (recovery stops at the target), but clock skew
    // between hosts could make it look so: the window never goes below zero.
    rpoSeconds: input.newestHeartbeat
      ? Math.max(0, seconds(input.recoveryTargetTime.getTime() - input.newestHeartbeat.getTime()))
      : null,
    backupAgeSeconds: input.backupTakenAt
      ? Math.max(0, seconds(input.drillStartedAt.getTime() - input.backupTakenAt.getTime()))
      : null,
    restorableLagSeconds: input.newestRestorablePoint
      ? Math.max(0, seconds(input.drillStartedAt.getTime() - input.newestRestorablePoint.getTime()))
      : null,
  };
}

export interface ObjectiveVerdict {
  name: 'rpo-within-target' | 'rto-within-target';
  outcome: 'passed' | 'failed' | 'inconclusive';
  detail: string;
}

/** Compares measured figures with their targets; an unmeasured figure is inconclusive. */
export function judgeObjectives(
  measured: Pick<MeasuredObjectives, 'rpoSeconds' | 'rtoSeconds'>,
  targets: { rpoTargetSeconds: number; rtoTargetSeconds: number },
): ObjectiveVerdict[] {
  return [
    verdict('rpo-within-target', 'RPO', measured.rpoSeconds, targets.rpoTargetSeconds),
    verdict('rto-within-target', 'RTO', measured.rtoSeconds, targets.rtoTargetSeconds),
  ];
}

function verdict(
  name: ObjectiveVerdict['name'],
  label: string,
  value: number | null,
  target: number,
): ObjectiveVerdict {
  if (value === null) return { name, outcome: 'inconclusive', detail: `${label} could not be measured` };
  const outcome = value <= target ? 'passed' : 'failed';
  return { name, outcome, detail: `${label} ${formatDuration(value)} vs target ${formatDuration(target)}` };
}

/**
 * Service RTO: the database RTO plus the catch-up phase, to the same millisecond precision as the
 * RTO (so it is never below it). Null when either is unmeasured.
 */
export function serviceRto(rtoSeconds: number | null, catchUpSeconds: number | null): number | null {
  if (rtoSeconds === null || catchUpSeconds === null) return null;
  return seconds(rtoSeconds * 1000 + catchUpSeconds * 1000);
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** "4h 0m", "15m 0s", "2.5s": compact and readable in chat and Markdown. */
export function formatDuration(totalSeconds: number | null | undefined): string {
  if (totalSeconds === null || totalSeconds === undefined) return 'n/a';
  if (totalSeconds < 60) return `${Number(totalSeconds.toFixed(1))}s`;
  const s = Math.round(totalSeconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h ${m}m` : `${m}m ${rest}s`;
}
