import type { z } from 'zod';
import { slug } from '../core/report.js';
import type { BackupOptions, BackupState } from '../jobs/backup/backupState.js';
import { beginBackup } from '../jobs/backup/beginBackup.js';
import { captureBackupManifest } from '../jobs/backup/captureBackupManifest.js';
import { checkPitrHealth } from '../jobs/backup/checkPitrHealth.js';
import { copyBackupOffsite } from '../jobs/backup/copyBackupOffsite.js';
import { backupFailedBeforeStart, finishBackup, recordCaught } from '../jobs/backup/finishBackup.js';
import { pruneBackups } from '../jobs/backup/pruneBackups.js';
import { startBackup } from '../jobs/backup/takeBackup.js';
import { verifyBackup } from '../jobs/backup/verifyBackup.js';
import type {
  backupInputSchema,
  backupStateSchema,
  caughtSchema,
  executionSchema,
} from './events/stepFunctions.js';
import { logProgress } from './handler.js';
import { awsManifestKey } from './manifestKey.js';
import type { ManifestStore } from './manifestStore.js';
import { noManifests } from './noManifests.js';
import { publishersFor, publishing } from './publishing.js';
import { isTransientAwsError } from './retry.js';
import { type AwsRuntime, awsRuntime, snapshotsOf, sourceOf } from './runtime.js';

/**
 * The backup state machine's steps on AWS: each builds its adapters from the config and calls
 * the shared steps of lib/jobs/backupSteps.ts. Thin handlers in functions/ call these.
 */
const never = new AbortController().signal;

function deps(rt: AwsRuntime, manifests: ManifestStore) {
  return {
    backups: snapshotsOf(rt, manifests),
    source: sourceOf(rt),
    progress: rt.progress,
    signal: never,
    rethrow: isTransientAwsError,
    manifestKey: awsManifestKey(rt),
  };
}

/**
 * drillbook-<stage>-<system>-<YYYYMMDD> (drillbook-<system>-<YYYYMMDD> without a stage): one
 * snapshot a day, the same id for a redelivered run, never another stage's.
 */
export function dailyBackupId(system: string, at: Date, stage?: string): string {
  const day = at.toISOString().slice(0, 10).replace(/-/g, '');
  const scope = stage ? `${slug(stage)}-${slug(system)}` : slug(system);
  return `drillbook-${scope}-${day}`.replace(/-+/g, '-');
}

function optionsFor(rt: AwsRuntime, backupId: string): BackupOptions {
  return {
    system: rt.system.name,
    environment: rt.system.environment,
    backupId,
    retention: rt.system.backup.retention,
    rpoTargetSeconds: rt.system.objectives.rpoMinutes * 60,
  };
}

export type BackupStartEvent = { input: z.infer<typeof backupInputSchema> } & z.infer<typeof executionSchema>;

export async function startBackupStep(event: BackupStartEvent): Promise<BackupState> {
  const rt = awsRuntime(event.input.system, logProgress);
  const backupId = event.input.backupId ?? dailyBackupId(rt.system.name, new Date(event.startTime), rt.stage);
  // Starting a snapshot reads no manifest: no runbook store here (and none in this role).
  const d = deps(rt, noManifests);
  const state = await beginBackup(d, optionsFor(rt, backupId));
  return startBackup(d, state);
}

export interface BackupResult {
  reportId: string;
  outcome: string;
  location: string;
}

/** Offsite copy, manifest, verification, PITR health (lag in the report's details), retention, report. */
export async function finishBackupStep(state: z.infer<typeof backupStateSchema>): Promise<BackupResult> {
  const rt = awsRuntime(state.options.system, logProgress);
  const { publishers, manifests } = publishing(rt.config);
  const d = deps(rt, manifests);
  let next: BackupState = await copyBackupOffsite(d, state);
  next = await captureBackupManifest(d, next);
  next = await verifyBackup(d, next);
  next = await checkPitrHealth(d, next);
  next = await pruneBackups(d, next);
  const { report, location } = await finishBackup({ publishers }, next);
  return { reportId: report.id, outcome: report.outcome, location };
}

export interface BackupFailedEvent {
  input?: z.infer<typeof backupInputSchema> | undefined;
  startTime?: string | undefined;
  state?: z.infer<typeof backupStateSchema> | undefined;
  error: z.infer<typeof caughtSchema>;
}

/** The Catch path: records what failed past its retries and still writes the report. */
export async function backupFailedStep(event: BackupFailedEvent): Promise<BackupResult> {
  const rt = awsRuntime(event.state?.options.system ?? event.input?.system, logProgress);
  const caught = { error: event.error.Error, cause: event.error.Cause };
  const failed = event.state
    ? recordCaught(event.state, caught)
    : backupFailedBeforeStart(
        optionsFor(
          rt,
          event.input?.backupId ??
            dailyBackupId(rt.system.name, new Date(event.startTime ?? Date.now()), rt.stage),
        ),
        caught,
      );
  const { report, location } = await finishBackup({ publishers: publishersFor(rt.config) }, failed);
  return { reportId: report.id, outcome: report.outcome, location };
}
