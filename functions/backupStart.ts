import { startBackupStep } from '../lib/aws/backupWorkflow.js';
import { stepHandler } from '../lib/aws/handler.js';
import { backupInputSchema, executionSchema } from '../lib/aws/stepSchemas.js';

/** Backup state machine, first step: heartbeat, then CreateDB(Cluster)Snapshot with a deterministic id. */
export const handler = stepHandler(executionSchema.extend({ input: backupInputSchema }), startBackupStep);
