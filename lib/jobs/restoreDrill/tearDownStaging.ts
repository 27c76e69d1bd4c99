import { describeError } from '../../core/errors.js';
import type { RestoreTarget } from '../../ports.js';
import { clockOf, resumeRecorder, toRunState } from '../runState.js';
import type { DrillState, DrillStepDeps } from './drillState.js';

/**
 * Tears staging down: on success, after any failure, and when the state machine caught an error
 * (`caught`). Idempotent; a teardown failure is a failed check naming what may be left behind.
 */
export async function tearDownStaging(
  deps: DrillStepDeps & { target: RestoreTarget },
  state: DrillState,
  caught?: { error: string; cause?: string },
): Promise<DrillState> {
  const rec = resumeRecorder(state.run, clockOf(deps));
  if (caught) rec.fail(`${caught.error}: ${caught.cause ?? 'no cause given'}`);
  const next: DrillState = { ...state };
  if (state.staging && !state.tornDown) {
    const staging = state.staging;
    try {
      await rec.phase('teardown', () => deps.target.teardown(staging, deps.progress));
      next.tornDown = true;
    } catch (error) {
      if (deps.rethrow?.(error)) throw error;
      rec.check('teardown', 'failed', `staging ${staging.id} may be left behind: ${describeError(error)}`);
    }
  }
  next.run = toRunState(rec);
  return next;
}
