import type { z } from 'zod';
import {
  beginDrill,
  type DrillOptions,
  type DrillState,
  drillFailedBeforeStart,
  finishDrill,
  maskStaging,
  pollStagingRecovery,
  provisionStaging,
  rollForwardStaging,
  tearDownStaging,
  verifyStaging,
  verifyStagingTarget,
} from '../jobs/restoreDrillSteps.js';
import { logProgress } from './handler.js';
import { isTransientAwsError } from './retry.js';
import { type AwsRuntime, awsRuntime, inspectorOf, restoreTargetOf, snapshotsOf } from './runtime.js';
import type { caughtSchema, drillInputSchema, drillStateSchema, executionSchema } from './stepSchemas.js';

/**
 * The restore-drill state machine's steps on AWS: each builds its adapters from the config and
 * calls the shared steps of lib/jobs/restoreDrillSteps.ts. The state carries `drillKey` (the
 * execution name), from which the staging identifier derives, so every step (and a redelivered
 * one) addresses the same instance.
 */
export type AwsDrillState = DrillState & { drillKey: string };
type StateIn = z.infer<typeof drillStateSchema>;

const never = new AbortController().signal;

function deps(rt: AwsRuntime, drillKey: string) {
  const target = restoreTargetOf(rt, drillKey);
  return {
    backups: snapshotsOf(rt),
    target,
    inspector: inspectorOf(rt, target),
    publishers: rt.publishers,
    progress: rt.progress,
    signal: never,
    rethrow: isTransientAwsError,
  };
}

function optionsFor(rt: AwsRuntime, input: z.infer<typeof drillInputSchema>): DrillOptions {
  return {
    system: rt.system.name,
    environment: rt.system.environment,
    targetTime: input.targetTime ? new Date(input.targetTime) : undefined,
    backupId: input.backupId,
    mask: (input.mask ?? true) && rt.system.restore.masking.length > 0,
    rpoTargetSeconds: rt.system.objectives.rpoMinutes * 60,
    rtoTargetSeconds: rt.system.objectives.rtoMinutes * 60,
  };
}

const keep = (state: DrillState, drillKey: string): AwsDrillState => ({ ...state, drillKey });

export type DrillStartEvent = { input: z.infer<typeof drillInputSchema> } & z.infer<typeof executionSchema>;

/** Picks and checks the backup, then starts the point-in-time restore into staging. */
export async function startDrillStep(event: DrillStartEvent): Promise<AwsDrillState> {
  const rt = awsRuntime(event.input.system, logProgress);
  const d = deps(rt, event.executionName);
  const state = await beginDrill(d, optionsFor(rt, event.input));
  return keep(await provisionStaging(d, state), event.executionName);
}

/** One look at the restore; `recovered` ends the state machine's wait loop. */
export async function pollDrillStep(state: StateIn): Promise<AwsDrillState> {
  const rt = awsRuntime(state.options.system, logProgress);
  const d = deps(rt, state.drillKey);
  return keep(await pollStagingRecovery(d, state, rt.aws.waits.restoreTimeoutMinutes * 60), state.drillKey);
}

/** Verification against the manifest, the (no-op) roll-forward, integrity checks, masking. */
export async function verifyDrillStep(state: StateIn): Promise<AwsDrillState> {
  const rt = awsRuntime(state.options.system, logProgress);
  const d = deps(rt, state.drillKey);
  let next: DrillState = await verifyStaging(d, state);
  next = await rollForwardStaging(d, next);
  next = await verifyStagingTarget(d, next);
  next = await maskStaging(d, next);
  return keep(next, state.drillKey);
}

export interface DrillTeardownEvent {
  input: z.infer<typeof drillInputSchema>;
  executionName: string;
  state?: StateIn | undefined;
  error?: z.infer<typeof caughtSchema> | undefined;
}

/** The state a teardown or report works on, even when the first step never returned one. */
function stateOrAbandoned(rt: AwsRuntime, event: DrillTeardownEvent): AwsDrillState {
  if (event.state) return event.state;
  const target = restoreTargetOf(rt, event.executionName);
  const caught = event.error ?? { Error: 'DrillNotStarted', Cause: 'the first step returned no state' };
  return keep(
    drillFailedBeforeStart(
      optionsFor(rt, event.input),
      { error: caught.Error, cause: caught.Cause },
      { id: target.stagingId, connectionString: '' },
    ),
    event.executionName,
  );
}

/** Tears staging down on success and on every Catch path; only drill-tagged resources. */
export async function teardownDrillStep(event: DrillTeardownEvent): Promise<AwsDrillState> {
  const rt = awsRuntime(event.state?.options.system ?? event.input.system, logProgress);
  const state = stateOrAbandoned(rt, event);
  const caught =
    event.state && event.error ? { error: event.error.Error, cause: event.error.Cause } : undefined;
  return keep(await tearDownStaging(deps(rt, state.drillKey), state, caught), state.drillKey);
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
