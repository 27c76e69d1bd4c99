import type { Report } from '../../core/report.js';
import type {
  BackupRepository,
  ManifestKeySource,
  Progress,
  RestoreTarget,
  StagingInspector,
} from '../../ports.js';
import type { Publishers } from '../publish.js';
import {
  beginDrill,
  type CatchUpWiring,
  catchUpStaging,
  type DrillOptions,
  finishDrill,
  maskStaging,
  provisionStaging,
  recoverStaging,
  rollForwardStaging,
  tearDownStaging,
  verifyStaging,
  verifyStagingTarget,
} from './drillState.js';

export interface RestoreDrillDeps {
  backups: BackupRepository;
  target: RestoreTarget;
  inspector: StagingInspector;
  publishers: Publishers;
  progress: Progress;
  signal: AbortSignal;
  now?: () => Date;
  /** Config backup.manifestKey: manifests must carry a matching HMAC. */
  manifestKey?: ManifestKeySource | undefined;
  /** The optional catch-up phase's sources (systems[].restore.catchUp); without it the phase is skipped. */
  catchUp?: CatchUpWiring | undefined;
}

export type RestoreDrillOptions = DrillOptions;

export interface DrillResult {
  report: Report;
  location: string;
}

/**
 * A restore drill: check the backup, lay it down in staging, recover to the manifest's restore
 * point and verify it there, roll forward to the target and check the opened database, mask, and
 * always tear down. RTO runs from the drill's start to the moment verification passed; RPO is the
 * target time minus the newest heartbeat restored. The report is written whatever happens.
 *
 * The same steps (lib/jobs/restoreDrillSteps.ts) run one Lambda each in the AWS state machine.
 */
export async function runRestoreDrill(
  deps: RestoreDrillDeps,
  options: RestoreDrillOptions,
): Promise<DrillResult> {
  let state = await beginDrill(deps, options);
  state = await provisionStaging(deps, state);
  state = await recoverStaging(deps, state);
  state = await verifyStaging(deps, state);
  state = await rollForwardStaging(deps, state);
  state = await verifyStagingTarget(deps, state);
  state = await catchUpStaging(deps, state);
  state = await maskStaging(deps, state);
  state = await tearDownStaging(deps, state);
  return finishDrill(deps, state);
}
