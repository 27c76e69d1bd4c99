import { drillStateSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';
import { restoreDrillPoll } from '../lib/aws/restoreDrill/restoreDrillPoll.js';

/** Restore drill, RestoreDrillPoll (wait loop): is the staging instance available yet (bounded by restoreTimeoutMinutes)? */
export const handler = stepHandler(drillStateSchema, restoreDrillPoll);
