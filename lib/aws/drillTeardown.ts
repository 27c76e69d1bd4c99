import { tearDownStaging } from '../jobs/restoreDrill/tearDownStaging.js';
import { type AwsDrillState, type DrillTeardownEvent, stateOrAbandoned } from './drillState.js';
import { logProgress } from './handler.js';
import { noManifests } from './noManifests.js';
import { isTransientAwsError } from './retry.js';
import { awsRuntime, restoreTargetOf, snapshotsOf } from './runtime.js';

/**
 * Tears staging down on success and on every Catch path: only drill-tagged resources. Touches
 * nothing but RDS, even when the first step never returned a state (the staging identifier
 * derives from the execution name).
 */
export async function teardownDrillStep(event: DrillTeardownEvent): Promise<AwsDrillState> {
  const rt = awsRuntime(event.state?.options.system ?? event.input.system, logProgress);
  const state = stateOrAbandoned(rt, event);
  const caught =
    event.state && event.error ? { error: event.error.Error, cause: event.error.Cause } : undefined;
  const deps = {
    backups: snapshotsOf(rt, noManifests),
    target: restoreTargetOf(rt, state.drillKey),
    progress: rt.progress,
    signal: new AbortController().signal,
    rethrow: isTransientAwsError,
  };
  return { ...(await tearDownStaging(deps, state, caught)), drillKey: state.drillKey };
}
