import type { z } from 'zod';
import { drillFailedBeforeStart } from '../jobs/restoreDrill/drillFailedBeforeStart.js';
import type { DrillOptions, DrillState } from '../jobs/restoreDrill/drillState.js';
import type { caughtSchema, drillInputSchema, drillStateSchema } from './events/stepFunctions.js';
import { type AwsRuntime, restoreTargetOf } from './runtime.js';

/**
 * The drill state on AWS: the shared DrillState plus `drillKey` (the execution name), from which
 * the staging identifier derives, so every step (and a redelivered one) addresses the same instance.
 */
export type AwsDrillState = DrillState & { drillKey: string };

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

export interface DrillTeardownEvent {
  input: z.infer<typeof drillInputSchema>;
  executionName: string;
  state?: z.infer<typeof drillStateSchema> | undefined;
  error?: z.infer<typeof caughtSchema> | undefined;
}

/** The state a teardown or report works on, even when the first step never returned one. */
export function stateOrAbandoned(rt: AwsRuntime, event: DrillTeardownEvent): AwsDrillState {
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
