import type { StagingInspector } from '../../ports.js';
import { clockOf, phase } from '../runState.js';
import { backupOf, type DrillState, type DrillStepDeps, runDrillStep } from './drillState.js';

/** amcheck, custom SQL checks and the newest heartbeat on the opened database; marks verification time. */
export async function verifyStagingTarget(
  deps: DrillStepDeps & { inspector: StagingInspector },
  state: DrillState,
): Promise<DrillState> {
  return runDrillStep(deps, state, async (rec, next) => {
    const staging = state.staging!;
    await phase(deps, rec, 'verify-target', async () => {
      deps.progress.step('checking indexes (amcheck), custom SQL checks and the newest heartbeat');
      const manifest = (await backupOf(deps, state)).manifest!;
      rec.addChecks(await deps.inspector.integrityChecks(staging, manifest));
      const heartbeat = await deps.inspector.newestHeartbeat(staging);
      next.heartbeat = heartbeat ? heartbeat.toISOString() : null;
      rec.check(
        'heartbeat',
        heartbeat ? 'passed' : 'inconclusive',
        heartbeat
          ? `newest restored heartbeat ${heartbeat.toISOString()}`
          : 'no heartbeat row in the restored database',
      );
    });
    if (!rec.failed) next.verifiedAt = clockOf(deps)().toISOString();
  });
}
