import { catchUpDrillStep } from '../lib/aws/drillWorkflow.js';
import { drillStateSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Restore drill: the read models caught up from the stream on the restored copy (restore.catchUp), then masking. */
export const handler = stepHandler(drillStateSchema, catchUpDrillStep);
