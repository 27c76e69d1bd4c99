import { startDrillStep } from '../lib/aws/drillWorkflow.js';
import { drillStartEventSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Restore drill, first step: choose and check the backup, start the point-in-time restore into staging. */
export const handler = stepHandler(drillStartEventSchema, startDrillStep);
