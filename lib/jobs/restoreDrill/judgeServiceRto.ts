import { formatDuration } from '../../core/objectives.js';

/** The service RTO (database verified + read models caught up) against the RTO target. */
export function judgeServiceRto(
  seconds: number | null,
  target: number,
): { name: string; outcome: 'passed' | 'failed' | 'inconclusive'; detail: string } {
  const name = 'service-rto-within-target';
  if (seconds === null) {
    return {
      name,
      outcome: 'inconclusive',
      detail: 'service RTO not measured: the read models did not catch up',
    };
  }
  return seconds <= target
    ? {
        name,
        outcome: 'passed',
        detail: `service RTO ${formatDuration(seconds)} (database + read models) within ${formatDuration(target)}`,
      }
    : {
        name,
        outcome: 'failed',
        detail: `service RTO ${formatDuration(seconds)} (database + read models) exceeds ${formatDuration(target)}`,
      };
}
