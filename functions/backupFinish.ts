import { finishBackupStep } from '../lib/aws/backupWorkflow.js';
import { backupStateSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Backup state machine, last step: offsite copy, manifest, verification, PITR health, retention, report. */
export const handler = stepHandler(backupStateSchema, finishBackupStep);
