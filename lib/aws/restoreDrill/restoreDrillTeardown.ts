import { tearDownStaging } from '../../jobs/restoreDrill/tearDownStaging.js';
import { logProgress } from '../handler.js';
import { awsRuntime } from '../runtime.js';
import {
  type AwsDrillState,
  type RestoreDrillTeardownEvent,
  rdsOnlyDrillDeps,
  stateOrAbandoned,
} from './restoreDrillShared.js';

/**
 * The RestoreDrillTeardown state: tears staging down on success and on every Catch path, only
 * drill-tagged resources. Touches nothing but RDS, even when the first step never returned a
 * state (the staging identifier derives from the execution name).
 */
export async function restoreDrillTeardown(event: RestoreDrillTeardownEvent): Promise<AwsDrillState> {
  const rt = awsRuntime(event.state?.options.system ?? event.input.system, logProgress);
  const state = stateOrAbandoned(rt, event);
  const caught =
    event.state && event.error ? { error: event.error.Error, cause: event.error.Cause } : undefined;
  const deps = rdsOnlyDrillDeps(rt, state.drillKey);
  return { ...(await tearDownStaging(deps, state, caught)), drillKey: state.drillKey };
}
