import { restoreDrillStartEventSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';
import { restoreDrillStart } from '../lib/aws/restoreDrill/restoreDrillStart.js';

/** Restore drill, RestoreDrillStart: choose and check the backup, start the point-in-time restore into staging. */
export const handler = stepHandler(restoreDrillStartEventSchema, restoreDrillStart);
