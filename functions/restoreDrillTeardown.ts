import { teardownDrillStep } from '../lib/aws/drillTeardown.js';
import { drillTeardownEventSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Restore drill: delete the drill-tagged staging instance, after success and on every Catch path. */
export const handler = stepHandler(drillTeardownEventSchema, teardownDrillStep);
