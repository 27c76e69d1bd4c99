import type { Report } from '../../core/report.js';
import type {
  BackupRepository,
  ManifestKeySource,
  Progress,
  RestoreTarget,
  StagingInspector,
} from '../../ports.js';
import type { Publishers } from '../publish.js';
import { beginDrill } from './beginDrill.js';
import { catchUpStaging } from './catchUpStaging.js';
import type { CatchUpWiring } from './catchUpWiring.js';
import type { DrillOptions } from './drillState.js';
import { finishDrill } from './finishDrill.js';
import { maskStaging } from './maskStaging.js';
import { provisionStaging } from './provisionStaging.js';
import { recoverStaging } from './recoverStaging.js';
import { rollForwardStaging } from './rollForwardStaging.js';
import { tearDownStaging } from './tearDownStaging.js';
import { verifyStaging } from './verifyStaging.js';
import { verifyStagingTarget } from './verifyStagingTarget.js';

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
 * The same steps (one file each in lib/jobs/restoreDrill/) run one Lambda each in the AWS state machine.
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
