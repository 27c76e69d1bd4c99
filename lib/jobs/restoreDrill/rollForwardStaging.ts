import type { RestoreTarget } from '../../ports.js';
import { phase } from '../runState.js';
import { type DrillState, type DrillStepDeps, runDrillStep } from './drillState.js';

/** Rolls forward to the drill's target and opens the database (a no-op on targets that cannot). */
export async function rollForwardStaging(
  deps: DrillStepDeps & { target: RestoreTarget },
  state: DrillState,
): Promise<DrillState> {
  return runDrillStep(deps, state, async (rec) => {
    const staging = state.staging!;
    const time = state.options.targetTime ? new Date(state.options.targetTime) : null;
    await phase(deps, rec, 'roll-forward', async () => {
      await deps.target.rollForward(staging, { time }, deps.progress, deps.signal);
      rec.addChecks((await deps.target.recoveryChecks?.(staging)) ?? []);
    });
  });
}
