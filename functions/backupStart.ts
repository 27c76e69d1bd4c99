import { startBackupStep } from '../lib/aws/backupWorkflow.js';
import { backupStartEventSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Backup state machine, first step: heartbeat, then CreateDB(Cluster)Snapshot with a deterministic id. */
export const handler = stepHandler(backupStartEventSchema, startBackupStep);
