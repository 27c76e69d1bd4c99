import type { z } from 'zod';
import type { BackupState } from '../../jobs/backup/backupState.js';
import { beginBackup } from '../../jobs/backup/beginBackup.js';
import { startBackup } from '../../jobs/backup/takeBackup.js';
import type { backupInputSchema, executionSchema } from '../events/stepFunctions.js';
import { logProgress } from '../handler.js';
import { noManifests } from '../noManifests.js';
import { awsRuntime } from '../runtime.js';
import { backupDeps, backupOptionsFor, dailyBackupId } from './backupShared.js';

export type BackupStartEvent = { input: z.infer<typeof backupInputSchema> } & z.infer<typeof executionSchema>;

/** The BackupStart state: heartbeat, then CreateDB(Cluster)Snapshot with the day's deterministic id. */
export async function backupStart(event: BackupStartEvent): Promise<BackupState> {
  const rt = awsRuntime(event.input.system, logProgress);
  const backupId = event.input.backupId ?? dailyBackupId(rt.system.name, new Date(event.startTime), rt.stage);
  // Starting a snapshot reads no manifest: no runbook store here (and none in this role).
  const d = backupDeps(rt, noManifests);
  const state = await beginBackup(d, backupOptionsFor(rt, backupId));
  return startBackup(d, state);
}
