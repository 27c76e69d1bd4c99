import { backupStateSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';
import { pollBackupStep } from '../lib/aws/pollSteps.js';

/** Backup state machine, wait loop: is the snapshot available yet (bounded by snapshotTimeoutMinutes)? */
export const handler = stepHandler(backupStateSchema, pollBackupStep);
