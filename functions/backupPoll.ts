import { backupPoll } from '../lib/aws/backup/backupPoll.js';
import { backupStateSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Backup state machine, BackupPoll (wait loop): is the snapshot available yet (bounded by snapshotTimeoutMinutes)? */
export const handler = stepHandler(backupStateSchema, backupPoll);
