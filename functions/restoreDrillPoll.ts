import { pollDrillStep } from '../lib/aws/drillWorkflow.js';
import { stepHandler } from '../lib/aws/handler.js';
import { drillStateSchema } from '../lib/aws/stepSchemas.js';

/** Restore drill, wait loop: is the staging instance available yet (bounded by restoreTimeoutMinutes)? */
export const handler = stepHandler(drillStateSchema, pollDrillStep);
