import type { StagingInspector } from '../../ports.js';
import { phase } from '../runState.js';
import { type DrillState, type DrillStepDeps, runDrillStep } from './drillState.js';

/** PII masking on the staging copy (after the inspector's staging guard), or a skipped phase. */
export async function maskStaging(
  deps: DrillStepDeps & { inspector: StagingInspector },
  state: DrillState,
): Promise<DrillState> {
  return runDrillStep(deps, state, async (rec) => {
    if (!state.options.mask) {
      rec.skipPhase('mask', 'no masking rules configured');
      return;
    }
    const staging = state.staging!;
    await phase(deps, rec, 'mask', async () => {
      rec.addChecks([await deps.inspector.mask(staging)]);
    });
  });
}
