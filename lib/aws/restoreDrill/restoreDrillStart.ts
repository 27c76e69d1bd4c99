import type { z } from 'zod';
import { beginDrill } from '../../jobs/restoreDrill/beginDrill.js';
import { provisionStaging } from '../../jobs/restoreDrill/provisionStaging.js';
import type { drillInputSchema, executionSchema } from '../events/stepFunctions.js';
import { logProgress } from '../handler.js';
import { awsRuntime } from '../runtime.js';
import { type AwsDrillState, drillDeps, drillOptionsFor, withDrillKey } from './restoreDrillShared.js';

export type RestoreDrillStartEvent = { input: z.infer<typeof drillInputSchema> } & z.infer<
  typeof executionSchema
>;

/** The RestoreDrillStart state: picks and checks the backup, then starts the point-in-time restore into staging. */
export async function restoreDrillStart(event: RestoreDrillStartEvent): Promise<AwsDrillState> {
  const rt = awsRuntime(event.input.system, logProgress);
  const d = drillDeps(rt, event.executionName);
  const state = await beginDrill(d, drillOptionsFor(rt, event.input));
  return withDrillKey(await provisionStaging(d, state), event.executionName);
}
