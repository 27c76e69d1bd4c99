import { drillStateSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';
import { pollDrillStep } from '../lib/aws/pollSteps.js';

/** Restore drill, wait loop: is the staging instance available yet (bounded by restoreTimeoutMinutes)? */
export const handler = stepHandler(drillStateSchema, pollDrillStep);
