import { z } from 'zod';
import { teardownDrillStep } from '../lib/aws/drillTeardown.js';
import { stepHandler } from '../lib/aws/handler.js';
import { caughtSchema, drillInputSchema, drillStateSchema } from '../lib/aws/stepSchemas.js';

/** Restore drill: delete the drill-tagged staging instance, after success and on every Catch path. */
export const handler = stepHandler(
  z.object({
    input: drillInputSchema,
    executionName: z.string().min(1),
    state: drillStateSchema.optional(),
    error: caughtSchema.optional(),
  }),
  teardownDrillStep,
);
