import type { z } from 'zod';
import type { BackupState } from '../../jobs/backup/backupState.js';
import { pollBackup } from '../../jobs/backup/takeBackup.js';
import type { backupStateSchema } from '../events/stepFunctions.js';
import { logProgress } from '../handler.js';
import { noManifests } from '../noManifests.js';
import { isTransientAwsError } from '../retry.js';
import { awsRuntime, snapshotsOf } from '../runtime.js';
import { never } from './backupShared.js';

/**
 * The BackupPoll state (the wait loop): is the snapshot available yet? Fails the run past
 * waits.snapshotTimeoutMinutes. One look at RDS: it touches nothing else (no runbook store, no
 * Postgres), which keeps its Lambda small.
 */
export async function backupPoll(state: z.infer<typeof backupStateSchema>): Promise<BackupState> {
  const rt = awsRuntime(state.options.system, logProgress);
  const deps = {
    backups: snapshotsOf(rt, noManifests),
    progress: rt.progress,
    signal: never,
    rethrow: isTransientAwsError,
  };
  return pollBackup(deps, state, rt.aws.waits.snapshotTimeoutMinutes * 60);
}
