import { backupFailed } from '../lib/aws/backup/backupFailed.js';
import { backupFailedEventSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Backup state machine, BackupFailed (every Catch path): the report of a run that failed past its retries. */
export const handler = stepHandler(backupFailedEventSchema, backupFailed);
