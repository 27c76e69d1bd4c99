import { clockOf, phase } from '../runState.js';
import type { CatchUpWiring } from './catchUpWiring.js';
import { type DrillState, type DrillStepDeps, runDrillStep } from './drillState.js';
import { runCatchUp } from './runCatchUp.js';

/**
 * The optional catch-up phase, after the restored database passed verification (before masking
 * touches it): each read model replays the stream from its restored checkpoint to the live
 * checkpoint and must end where production is; the restored outbox is reconciled with the stream.
 */
export async function catchUpStaging(
  deps: DrillStepDeps & { catchUp?: CatchUpWiring | undefined },
  state: DrillState,
): Promise<DrillState> {
  return runDrillStep(deps, state, async (rec, next) => {
    const wiring = deps.catchUp;
    // Not configured: no phase at all, and the report carries no catch-up figures.
    if (!wiring) return;
    if (!state.verifiedAt || !state.staging) {
      rec.skipPhase('catch-up', 'the restored database did not pass verification');
      next.catchUp = null;
      return;
    }
    const staging = state.staging;
    // Until it passes through, the read models did not catch up: a catch-up that fails (its wiring,
    // a login, the stream) still reports a service RTO that was not demonstrated.
    next.catchUp = null;
    const started = clockOf(deps)().getTime();
    const result = await phase(deps, rec, 'catch-up', async () => {
      const r = await runCatchUp({
        ...(await wiring(staging)),
        progress: deps.progress,
        signal: deps.signal,
      });
      rec.addChecks(r.checks);
      return r;
    });
    rec.details['catchUp'] = result.projections;
    // The whole phase (connecting, reading both checkpoints, the replay, the outbox): what service RTO adds.
    const seconds = Math.round(clockOf(deps)().getTime() - started) / 1000;
    next.catchUp = { ...result.summary, seconds, passed: result.passed, caughtUp: result.caughtUp };
  });
}
