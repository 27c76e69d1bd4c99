import type { z } from 'zod';
import { beginDrill } from '../jobs/restoreDrill/beginDrill.js';
import { catchUpStaging } from '../jobs/restoreDrill/catchUpStaging.js';
import type { DrillState } from '../jobs/restoreDrill/drillState.js';
import { finishDrill } from '../jobs/restoreDrill/finishDrill.js';
import { maskStaging } from '../jobs/restoreDrill/maskStaging.js';
import { provisionStaging } from '../jobs/restoreDrill/provisionStaging.js';
import { rollForwardStaging } from '../jobs/restoreDrill/rollForwardStaging.js';
import { verifyStaging } from '../jobs/restoreDrill/verifyStaging.js';
import { verifyStagingTarget } from '../jobs/restoreDrill/verifyStagingTarget.js';
import { awsCatchUpWiring } from './catchUpRuntime.js';
import {
  type AwsDrillState,
  type DrillTeardownEvent,
  drillOptionsFor,
  stateOrAbandoned,
} from './drillState.js';
import type {
  caughtSchema,
  drillInputSchema,
  drillStateSchema,
  executionSchema,
} from './events/stepFunctions.js';
import { logProgress } from './handler.js';
import { awsManifestKey } from './manifestKey.js';
import { publishing } from './publishing.js';
import { isTransientAwsError } from './retry.js';
import { type AwsRuntime, awsRuntime, inspectorOf, restoreTargetOf, snapshotsOf } from './runtime.js';

export type { AwsDrillState } from './drillState.js';

/**
 * The restore-drill state machine's steps on AWS: each builds its adapters from the config and
 * calls the shared steps of lib/jobs/restoreDrillSteps.ts (the wait loop and teardown, which
 * touch only RDS, are in pollSteps.ts and drillTeardown.ts).
 */
type StateIn = z.infer<typeof drillStateSchema>;

const never = new AbortController().signal;

function deps(rt: AwsRuntime, drillKey: string) {
  const target = restoreTargetOf(rt, drillKey);
  const { publishers, manifests } = publishing(rt.config);
  return {
    backups: snapshotsOf(rt, manifests),
    target,
    inspector: inspectorOf(rt, target),
    publishers,
    progress: rt.progress,
    signal: never,
    rethrow: isTransientAwsError,
    manifestKey: awsManifestKey(rt),
  };
}

const keep = (state: DrillState, drillKey: string): AwsDrillState => ({ ...state, drillKey });

export type DrillStartEvent = { input: z.infer<typeof drillInputSchema> } & z.infer<typeof executionSchema>;

/** Picks and checks the backup, then starts the point-in-time restore into staging. */
export async function startDrillStep(event: DrillStartEvent): Promise<AwsDrillState> {
  const rt = awsRuntime(event.input.system, logProgress);
  const d = deps(rt, event.executionName);
  const state = await beginDrill(d, drillOptionsFor(rt, event.input));
  return keep(await provisionStaging(d, state), event.executionName);
}

/**
 * Verification against the manifest, the (no-op) roll-forward, integrity checks, masking. With a
 * catch-up configured (restore.catchUp, enabled), masking waits for the CatchUp state: the read
 * models must be caught up on the unmasked copy.
 */
export async function verifyDrillStep(state: StateIn): Promise<AwsDrillState> {
  const rt = awsRuntime(state.options.system, logProgress);
  const d = deps(rt, state.drillKey);
  let next: DrillState = await verifyStaging(d, state);
  next = await rollForwardStaging(d, next);
  next = await verifyStagingTarget(d, next);
  if (rt.system.restore.catchUp?.enabled && next.run.failure === null) {
    return keep({ ...next, catchUpPending: true }, state.drillKey);
  }
  next = await maskStaging(d, next);
  return keep({ ...next, catchUpPending: false }, state.drillKey);
}

/** The CatchUp state: the read models caught up from the stream on the restored copy, then masking. */
export async function catchUpDrillStep(state: StateIn): Promise<AwsDrillState> {
  const rt = awsRuntime(state.options.system, logProgress);
  const d = deps(rt, state.drillKey);
  const catchUp = await awsCatchUpWiring(rt, d.publishers.runbook);
  let next: DrillState = await catchUpStaging({ ...d, catchUp }, state);
  next = await maskStaging(d, next);
  return keep({ ...next, catchUpPending: false }, state.drillKey);
}

export interface DrillReportEvent extends DrillTeardownEvent {
  teardownError?: z.infer<typeof caughtSchema> | undefined;
}

export interface DrillResultOut {
  reportId: string;
  outcome: string;
  location: string;
  rpoSeconds: number | null;
  rtoSeconds: number | null;
}

/** RPO/RTO and the report; a teardown that failed past its retries is a failed check. */
export async function reportDrillStep(event: DrillReportEvent): Promise<DrillResultOut> {
  const rt = awsRuntime(event.state?.options.system ?? event.input.system, logProgress);
  let state: DrillState = stateOrAbandoned(rt, event);
  if (event.teardownError) {
    state = {
      ...state,
      run: {
        ...state.run,
        checks: [
          ...state.run.checks,
          {
            name: 'teardown',
            outcome: 'failed',
            detail:
              `staging ${state.staging?.id ?? '(unknown)'} may be left behind: ${event.teardownError.Error}: ${event.teardownError.Cause ?? ''}`.trim(),
          },
        ],
      },
    };
  }
  const { report, location } = await finishDrill(deps(rt, event.executionName), state);
  return {
    reportId: report.id,
    outcome: report.outcome,
    location,
    rpoSeconds: report.objectives?.rpoSeconds ?? null,
    rtoSeconds: report.objectives?.rtoSeconds ?? null,
  };
}
