import type { z } from 'zod';
import { drillFailedBeforeStart } from '../../jobs/restoreDrill/drillFailedBeforeStart.js';
import type { DrillOptions, DrillState } from '../../jobs/restoreDrill/drillState.js';
import type { caughtSchema, drillInputSchema, drillStateSchema } from '../events/stepFunctions.js';
import { awsManifestKey } from '../manifestKey.js';
import { noManifests } from '../noManifests.js';
import { publishing } from '../publishing.js';
import { isTransientAwsError } from '../retry.js';
import { type AwsRuntime, inspectorOf, restoreTargetOf, snapshotsOf } from '../runtime.js';

/**
 * What the restore-drill state machine's steps share on AWS (one file per step beside this one,
 * each named like its function and ASL state: restoreDrillStart, restoreDrillPoll,
 * restoreDrillVerify, restoreDrillCatchUp, restoreDrillTeardown, restoreDrillReport). Each step
 * builds its adapters from the config and calls the shared steps of lib/jobs/restoreDrill/.
 */

/**
 * The drill state on AWS: the shared DrillState plus `drillKey` (the execution name), from which
 * the staging identifier derives, so every step (and a redelivered one) addresses the same instance.
 */
export type AwsDrillState = DrillState & { drillKey: string };

export type DrillStateIn = z.infer<typeof drillStateSchema>;

/** A Lambda step is never cancelled from outside: its timeout is the ASL's TimeoutSeconds. */
const never = new AbortController().signal;

/**
 * The adapters of the steps that read the manifest or publish (start, verify, catch-up, report);
 * the poll and teardown steps touch only RDS (rdsOnlyDrillDeps).
 */
export function drillDeps(rt: AwsRuntime, drillKey: string) {
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

/** The poll and teardown steps' adapters: RDS only (no runbook store, no Postgres), which keeps their Lambdas small. */
export function rdsOnlyDrillDeps(rt: AwsRuntime, drillKey: string) {
  return {
    backups: snapshotsOf(rt, noManifests),
    target: restoreTargetOf(rt, drillKey),
    progress: rt.progress,
    signal: never,
    rethrow: isTransientAwsError,
  };
}

export const withDrillKey = (state: DrillState, drillKey: string): AwsDrillState => ({ ...state, drillKey });

export function drillOptionsFor(rt: AwsRuntime, input: z.infer<typeof drillInputSchema>): DrillOptions {
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

export interface RestoreDrillTeardownEvent {
  input: z.infer<typeof drillInputSchema>;
  executionName: string;
  state?: z.infer<typeof drillStateSchema> | undefined;
  error?: z.infer<typeof caughtSchema> | undefined;
}

/** The state a teardown or report works on, even when the first step never returned one. */
export function stateOrAbandoned(rt: AwsRuntime, event: RestoreDrillTeardownEvent): AwsDrillState {
  if (event.state) return event.state;
  const target = restoreTargetOf(rt, event.executionName);
  const caught = event.error ?? { Error: 'DrillNotStarted', Cause: 'the first step returned no state' };
  return {
    ...drillFailedBeforeStart(
      drillOptionsFor(rt, event.input),
      { error: caught.Error, cause: caught.Cause },
      { id: target.stagingId, connectionString: '' },
    ),
    drillKey: event.executionName,
  };
}
