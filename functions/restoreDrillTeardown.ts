import { restoreDrillTeardownEventSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';
import { restoreDrillTeardown } from '../lib/aws/restoreDrill/restoreDrillTeardown.js';

/** Restore drill, RestoreDrillTeardown: delete the drill-tagged staging instance, after success and on every Catch path. */
export const handler = stepHandler(restoreDrillTeardownEventSchema, restoreDrillTeardown);
