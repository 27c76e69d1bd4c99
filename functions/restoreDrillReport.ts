import { z } from 'zod';
import { reportDrillStep } from '../lib/aws/drillWorkflow.js';
import { stepHandler } from '../lib/aws/handler.js';
import { caughtSchema, drillInputSchema, drillStateSchema } from '../lib/aws/stepSchemas.js';

/** Restore drill, last step: RPO/RTO against their targets and the report. */
export const handler = stepHandler(
  z.object({
    input: drillInputSchema,
    executionName: z.string().min(1),
    state: drillStateSchema.optional(),
    error: caughtSchema.optional(),
    teardownError: caughtSchema.optional(),
  }),
  reportDrillStep,
);
