import type { DrillState } from '../../jobs/restoreDrill/drillState.js';
import { maskStaging } from '../../jobs/restoreDrill/maskStaging.js';
import { rollForwardStaging } from '../../jobs/restoreDrill/rollForwardStaging.js';
import { verifyStaging } from '../../jobs/restoreDrill/verifyStaging.js';
import { verifyStagingTarget } from '../../jobs/restoreDrill/verifyStagingTarget.js';
import { logProgress } from '../handler.js';
import { awsRuntime } from '../runtime.js';
import { type AwsDrillState, type DrillStateIn, drillDeps, withDrillKey } from './restoreDrillShared.js';

/**
 * The RestoreDrillVerify state: verification against the manifest, the (no-op) roll-forward,
 * integrity checks, masking. With a catch-up configured (restore.catchUp, enabled), masking waits
 * for the RestoreDrillCatchUp state: the read models must be caught up on the unmasked copy.
 */
export async function restoreDrillVerify(state: DrillStateIn): Promise<AwsDrillState> {
  const rt = awsRuntime(state.options.system, logProgress);
  const d = drillDeps(rt, state.drillKey);
  let next: DrillState = await verifyStaging(d, state);
  next = await rollForwardStaging(d, next);
  next = await verifyStagingTarget(d, next);
  if (rt.system.restore.catchUp?.enabled && next.run.failure === null) {
    return withDrillKey({ ...next, catchUpPending: true }, state.drillKey);
  }
  next = await maskStaging(d, next);
  return withDrillKey({ ...next, catchUpPending: false }, state.drillKey);
}
