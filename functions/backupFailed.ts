import { z } from 'zod';
import { backupFailedStep } from '../lib/aws/backupWorkflow.js';
import { stepHandler } from '../lib/aws/handler.js';
import { backupInputSchema, backupStateSchema, caughtSchema } from '../lib/aws/stepSchemas.js';

/** Backup state machine, Catch path: the report of a run that failed past its retries. */
export const handler = stepHandler(
  z.object({
    input: backupInputSchema.optional(),
    startTime: z.string().optional(),
    state: backupStateSchema.optional(),
    error: caughtSchema,
  }),
  backupFailedStep,
);
