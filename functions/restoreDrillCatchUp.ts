import { drillStateSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';
import { restoreDrillCatchUp } from '../lib/aws/restoreDrill/restoreDrillCatchUp.js';

/** Restore drill, RestoreDrillCatchUp: the read models caught up from the stream on the restored copy (restore.catchUp), then masking. */
export const handler = stepHandler(drillStateSchema, restoreDrillCatchUp);
