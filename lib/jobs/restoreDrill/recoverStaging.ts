import { describeError, TimeoutError } from '../../core/errors.js';
import type { PollableRestoreTarget, RestoreTarget, StagingHandle } from '../../ports.js';
import { clockOf, phase, recordSpannedPhase } from '../runState.js';
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
    const started = state.recoverStartedAt ?? state.run.startedAt;
    const now = clockOf(deps)();
    let ready: StagingHandle | null;
    try {
      ready = await deps.target.pollRecovery(state.staging!);
    } catch (error) {
      if (deps.rethrow?.(error)) throw error;
      recordSpannedPhase(rec, 'recover', started, now, 'failed', describeError(error));
      throw error;
    }
    if (ready) {
      recordSpannedPhase(rec, 'recover', started, now, 'passed');
      rec.addChecks((await deps.target.recoveryChecks?.(ready)) ?? []);
      next.staging = ready;
      next.recovered = true;
      return;
    }
    const elapsed = (now.getTime() - new Date(started).getTime()) / 1000;
    if (elapsed > timeoutSeconds) {
      const error = new TimeoutError(
        `timed out after ${Math.round(timeoutSeconds)}s waiting for staging ${state.staging?.id} to become available`,
      );
      recordSpannedPhase(rec, 'recover', started, now, 'failed', error.message);
      throw error;
    }
    deps.progress.step(`staging ${state.staging?.id} still being restored (${Math.round(elapsed)}s)`);
  });
}
