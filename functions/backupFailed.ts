import { backupFailedStep } from '../lib/aws/backupWorkflow.js';
import { backupFailedEventSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Backup state machine, Catch path: the report of a run that failed past its retries. */
export const handler = stepHandler(backupFailedEventSchema, backupFailedStep);
