import type { z } from 'zod';
import type { BackupState } from '../jobs/backup/backupState.js';
import { pollBackup } from '../jobs/backup/takeBackup.js';
import { pollStagingRecovery } from '../jobs/restoreDrill/recoverStaging.js';
import type { AwsDrillState } from './drillState.js';
import type { backupStateSchema, drillStateSchema } from './events/stepFunctions.js';
import { logProgress } from './handler.js';
import { noManifests } from './noManifests.js';
import { isTransientAwsError } from './retry.js';
import { awsRuntime, restoreTargetOf, snapshotsOf } from './runtime.js';

/**
 * The state machines' wait-loop steps: one look at RDS each. They touch nothing but RDS (no
 * runbook store, no Postgres), which keeps their Lambdas small.
 */
const never = new AbortController().signal;

/** Is the snapshot available yet? Fails the run past waits.snapshotTimeoutMinutes. */
export async function pollBackupStep(state: z.infer<typeof backupStateSchema>): Promise<BackupState> {
  const rt = awsRuntime(state.options.system, logProgress);
  const deps = {
    backups: snapshotsOf(rt, noManifests),
    progress: rt.progress,
    signal: never,
    rethrow: isTransientAwsError,
  };
  return pollBackup(deps, state, rt.aws.waits.snapshotTimeoutMinutes * 60);
}

/** Is the staging instance available yet? Fails the drill past waits.restoreTimeoutMinutes. */
export async function pollDrillStep(state: z.infer<typeof drillStateSchema>): Promise<AwsDrillState> {
  const rt = awsRuntime(state.options.system, logProgress);
  const deps = {
    backups: snapshotsOf(rt, noManifests),
    target: restoreTargetOf(rt, state.drillKey),
    progress: rt.progress,
    signal: never,
    rethrow: isTransientAwsError,
  };
  const next = await pollStagingRecovery(deps, state, rt.aws.waits.restoreTimeoutMinutes * 60);
  return { ...next, drillKey: state.drillKey };
}
