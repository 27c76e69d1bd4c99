import { drillStateSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';
import { restoreDrillVerify } from '../lib/aws/restoreDrill/restoreDrillVerify.js';

/** Restore drill, RestoreDrillVerify: verify against the manifest (same verifier as the local path), integrity checks, masking. */
export const handler = stepHandler(drillStateSchema, restoreDrillVerify);
