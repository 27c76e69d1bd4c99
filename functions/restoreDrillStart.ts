import { startDrillStep } from '../lib/aws/drillWorkflow.js';
import { stepHandler } from '../lib/aws/handler.js';
import { drillInputSchema, executionSchema } from '../lib/aws/stepSchemas.js';

/** Restore drill, first step: choose and check the backup, start the point-in-time restore into staging. */
export const handler = stepHandler(executionSchema.extend({ input: drillInputSchema }), startDrillStep);
