import type { PollableRestoreTarget, RestoreTarget } from '../../ports.js';
import { clockOf, phase } from '../runState.js';
import { backupOf, type DrillState, type DrillStepDeps, runDrillStep } from './drillState.js';

/** Lays the backup down in staging (local: copies files; RDS: starts the restore). */
export async function provisionStaging(
  deps: DrillStepDeps & { target: RestoreTarget | PollableRestoreTarget },
  state: DrillState,
): Promise<DrillState> {
  return runDrillStep(deps, state, async (rec, next) => {
    const backup = await backupOf(deps, state);
    const handle = await phase(deps, rec, 'provision', () =>
      deps.target.provision(backup, deps.progress, deps.signal),
    );
    next.staging = handle;
    next.recoverStartedAt = clockOf(deps)().toISOString();
    if ('recoveryPointFor' in deps.target) {
      const target = state.options.targetTime ? new Date(state.options.targetTime) : null;
      const used = deps.target.recoveryPointFor(backup, { time: target });
      if (used) {
        next.recoveryTargetTime = used.toISOString();
        rec.details['recoveryTargetUsed'] = used.toISOString();
      }
    }
  });
}
