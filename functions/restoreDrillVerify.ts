import { verifyDrillStep } from '../lib/aws/drillWorkflow.js';
import { drillStateSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Restore drill: verify against the manifest (same verifier as the local path), integrity checks, masking. */
export const handler = stepHandler(drillStateSchema, verifyDrillStep);
