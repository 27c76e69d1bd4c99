import type { z } from 'zod';
import { backupFailedBeforeStart, finishBackup, recordCaught } from '../../jobs/backup/finishBackup.js';
import type { backupInputSchema, backupStateSchema, caughtSchema } from '../events/stepFunctions.js';
import { logProgress } from '../handler.js';
import { publishersFor } from '../publishing.js';
import { awsRuntime } from '../runtime.js';
import { type BackupResult, backupOptionsFor, dailyBackupId } from './backupShared.js';

export interface BackupFailedEvent {
  input?: z.infer<typeof backupInputSchema> | undefined;
  startTime?: string | undefined;
  state?: z.infer<typeof backupStateSchema> | undefined;
  error: z.infer<typeof caughtSchema>;
}

/** The BackupFailed state (every Catch path): records what failed past its retries and still writes the report. */
export async function backupFailed(event: BackupFailedEvent): Promise<BackupResult> {
  const rt = awsRuntime(event.state?.options.system ?? event.input?.system, logProgress);
  const caught = { error: event.error.Error, cause: event.error.Cause };
  const failed = event.state
    ? recordCaught(event.state, caught)
    : backupFailedBeforeStart(
        backupOptionsFor(
          rt,
          event.input?.backupId ??
            dailyBackupId(rt.system.name, new Date(event.startTime ?? Date.now()), rt.stage),
        ),
        caught,
      );
  const { report, location } = await finishBackup({ publishers: publishersFor(rt.config) }, failed);
  return { reportId: report.id, outcome: report.outcome, location };
}
