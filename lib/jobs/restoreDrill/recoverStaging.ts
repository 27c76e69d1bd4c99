import type { PollableRestoreTarget, RestoreTarget } from '../../ports.js';
import { phase, pollSpannedPhase } from '../runState.js';
import { backupOf, type DrillState, type DrillStepDeps, runDrillStep } from './drillState.js';

/** Recovers to the manifest's point, waiting in-process (local path). */
export async function recoverStaging(
  deps: DrillStepDeps & { target: RestoreTarget },
  state: DrillState,
): Promise<DrillState> {
  return runDrillStep(deps, state, async (rec, next) => {
    const backup = await backupOf(deps, state);
    const staging = state.staging!;
    const updated = await phase(deps, rec, 'recover', () =>
      deps.target.recoverToManifest(staging, backup, deps.progress, deps.signal),
    );
    if (updated) next.staging = updated;
    rec.addChecks((await deps.target.recoveryChecks?.(updated ?? staging)) ?? []);
    next.recovered = true;
  });
}

/**
 * One look at a recovery that runs on its own (RDS restore): records the 'recover' phase when it
 * finished, or fails the drill when it ran past `timeoutSeconds`. The state machine waits and
 * calls again while `recovered` is false.
 */
export async function pollStagingRecovery(
  deps: DrillStepDeps & { target: PollableRestoreTarget },
  state: DrillState,
  timeoutSeconds: number,
): Promise<DrillState> {
  if (state.recovered) return state;
  return runDrillStep(deps, state, async (rec, next) => {
    const id = state.staging?.id;
    const ready = await pollSpannedPhase(
      deps,
      rec,
      {
        name: 'recover',
        startedAt: state.recoverStartedAt ?? state.run.startedAt,
        timeoutSeconds,
        waitingFor: `staging ${id} to become available`,
        stillRunning: (seconds) => `staging ${id} still being restored (${seconds}s)`,
      },
      () => deps.target.pollRecovery(state.staging!),
    );
    if (!ready) return;
    rec.addChecks((await deps.target.recoveryChecks?.(ready)) ?? []);
    next.staging = ready;
    next.recovered = true;
  });
}
