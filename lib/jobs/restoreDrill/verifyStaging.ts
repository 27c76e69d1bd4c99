import { compareManifest } from '../../core/manifest.js';
import type { StagingInspector } from '../../ports.js';
import { phase } from '../runState.js';
import { backupOf, type DrillState, type DrillStepDeps, runDrillStep } from './drillState.js';

/** Verifies the restored database against the manifest (counts, checksums, migration head, version). */
export async function verifyStaging(
  deps: DrillStepDeps & { inspector: StagingInspector },
  state: DrillState,
): Promise<DrillState> {
  return runDrillStep(deps, state, async (rec) => {
    const manifest = (await backupOf(deps, state)).manifest!;
    const staging = state.staging!;
    await phase(deps, rec, 'verify', async () => {
      deps.progress.step(`verifying ${manifest.tables.length} tables against the manifest`);
      rec.addChecks(compareManifest(manifest, await deps.inspector.fingerprint(staging, manifest)));
      rec.addChecks(await deps.inspector.sourceFidelity(staging, manifest));
    });
  });
}
