import { backupFinish } from '../lib/aws/backup/backupFinish.js';
import { backupStateSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Backup state machine, BackupFinish: offsite copy, manifest, verification, PITR health, retention, report. */
export const handler = stepHandler(backupStateSchema, backupFinish);
