import { backupStart } from '../lib/aws/backup/backupStart.js';
import { backupStartEventSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Backup state machine, BackupStart: heartbeat, then CreateDB(Cluster)Snapshot with a deterministic id. */
export const handler = stepHandler(backupStartEventSchema, backupStart);
