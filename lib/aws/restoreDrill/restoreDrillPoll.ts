import { pollStagingRecovery } from '../../jobs/restoreDrill/recoverStaging.js';
import { logProgress } from '../handler.js';
import { awsRuntime } from '../runtime.js';
import { type AwsDrillState, type DrillStateIn, rdsOnlyDrillDeps } from './restoreDrillShared.js';

/**
 * The RestoreDrillPoll state (the wait loop): is the staging instance available yet? Fails the
 * drill past waits.restoreTimeoutMinutes. One look at RDS: it touches nothing else.
 */
export async function restoreDrillPoll(state: DrillStateIn): Promise<AwsDrillState> {
  const rt = awsRuntime(state.options.system, logProgress);
  const deps = rdsOnlyDrillDeps(rt, state.drillKey);
  const next = await pollStagingRecovery(deps, state, rt.aws.waits.restoreTimeoutMinutes * 60);
  return { ...next, drillKey: state.drillKey };
}
