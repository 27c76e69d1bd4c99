import { stepHandler } from '../lib/aws/handler.js';
import { pollDrillStep } from '../lib/aws/pollSteps.js';
import { drillStateSchema } from '../lib/aws/stepSchemas.js';

/** Restore drill, wait loop: is the staging instance available yet (bounded by restoreTimeoutMinutes)? */
export const handler = stepHandler(drillStateSchema, pollDrillStep);
