import { finishBackupStep } from '../lib/aws/backupWorkflow.js';
import { stepHandler } from '../lib/aws/handler.js';
import { backupStateSchema } from '../lib/aws/stepSchemas.js';

/** Backup state machine, last step: offsite copy, manifest, verification, PITR health, retention, report. */
export const handler = stepHandler(backupStateSchema, finishBackupStep);
