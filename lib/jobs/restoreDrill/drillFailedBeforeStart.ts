import type { StagingHandle } from '../../ports.js';
import { type DrillOptions, type DrillState, drillState, startDrillRun } from './drillState.js';

/**
 * A drill whose first step never returned (the state machine caught it): a failed state that
 * still names the staging the step may have started, so teardown can remove it.
 */
export function drillFailedBeforeStart(
  options: DrillOptions,
  caught: { error: string; cause?: string },
  staging: StagingHandle | null,
  now: () => Date = () => new Date(),
): DrillState {
  const startedAt = now();
  const rec = startDrillRun(options, now, startedAt);
  rec.fail(`${caught.error}: ${caught.cause ?? 'no cause given'}`);
  return { ...drillState(rec, options, startedAt, staging), recovered: true };
}
