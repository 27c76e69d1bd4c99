import { stepHandler } from '../lib/aws/handler.js';
import { pollBackupStep } from '../lib/aws/pollSteps.js';
import { backupStateSchema } from '../lib/aws/stepSchemas.js';

/** Backup state machine, wait loop: is the snapshot available yet (bounded by snapshotTimeoutMinutes)? */
export const handler = stepHandler(backupStateSchema, pollBackupStep);
