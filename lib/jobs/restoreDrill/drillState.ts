import { BackupError } from '../../core/errors.js';
import type { RunRecorder } from '../../core/recorder.js';
import type { CatchUpSummary } from '../../core/report.js';
import type { BackupRecord, BackupRepository, ManifestKeySource, StagingHandle } from '../../ports.js';
import { manifestIntegrityOf } from '../manifestSeal.js';
import { type RunState, type StepDeps, stepRunner, toRunState } from '../runState.js';
import { startRun } from '../startRun.js';

/**
 * The restore drill as separate steps over a JSON state, so that the local CLI (one step after
 * another, in-process) and the AWS state machine (one Lambda per step, with a polled wait in
 * between) run the same code. A step after a failure does nothing but pass the state on, so the
 * drill always reaches teardown and its report. Each step has its file in lib/jobs/restoreDrill/,
 * named for it; runRestoreDrill.ts runs them in order.
 */
export interface DrillOptions {
  system: string;
  environment: string;
  /** Point in time to recover to; default: everything the archive holds, measured against the drill's start. */
  targetTime?: Date | undefined;
  /** A specific backup; default: the newest one whose manifest point precedes the target. */
  backupId?: string | undefined;
  mask: boolean;
  rpoTargetSeconds: number;
  rtoTargetSeconds: number;
}

export interface DrillState {
  run: RunState;
  options: {
    system: string;
    environment: string;
    targetTime: string | null;
    backupId: string | null;
    mask: boolean;
    rpoTargetSeconds: number;
    rtoTargetSeconds: number;
  };
  /** The drill's recovery target time (used for RPO): the requested time, else the drill's start. */
  recoveryTargetTime: string;
  backupId: string | null;
  staging: StagingHandle | null;
  recoverStartedAt: string | null;
  /** Recovery finished (or the drill failed): the state machine's wait loop ends. */
  recovered: boolean;
  verifiedAt: string | null;
  heartbeat: string | null;
  tornDown: boolean;
  /** The catch-up phase's figures, once it ran (absent when no catch-up is configured). */
  catchUp?: CatchUpState | null;
  /** The state machine's RestoreDrillCatchUp state is still to run (AWS: RestoreDrillVerify leaves masking to it). */
  catchUpPending?: boolean | undefined;
}

/** What the catch-up phase found, carried to the report. */
export type CatchUpState = Omit<CatchUpSummary, 'serviceRtoSeconds'> & {
  passed: boolean;
  /** The read models caught up (every check but the outbox one passed); absent in older states: `passed`. */
  caughtUp?: boolean | undefined;
};

export interface DrillStepDeps extends StepDeps {
  backups: BackupRepository;
  /** Config backup.manifestKey: manifests must carry a matching HMAC. */
  manifestKey?: ManifestKeySource | undefined;
}

/** Runs `body` unless the drill already failed; a failure ends the recovery wait loop. */
export const runDrillStep = stepRunner<DrillState>('drill', (next) => {
  next.recovered = true;
});

/** The drill's backup, re-read by each step: its manifest must still match its seal. */
export async function backupOf(deps: DrillStepDeps, state: DrillState): Promise<BackupRecord> {
  const backup = state.backupId ? await deps.backups.get(state.backupId) : null;
  if (!backup?.manifest)
    throw new BackupError(`backup ${state.backupId ?? '(none)'} or its manifest is gone`);
  const integrity = await manifestIntegrityOf(deps.backups, backup, deps.manifestKey);
  if (integrity.outcome === 'failed') throw new BackupError(`${integrity.detail}; not using it`);
  return backup;
}

/** A drill's report, stamped with its start and naming its recovery target. */
export function startDrillRun(options: DrillOptions, now: () => Date, startedAt: Date): RunRecorder {
  return startRun('restore-drill', options, {
    now,
    at: startedAt,
    details: { recoveryTarget: options.targetTime ? options.targetTime.toISOString() : 'latest' },
  });
}

/** The state a drill starts from: its options as JSON, nothing restored yet. */
export function drillState(
  rec: RunRecorder,
  options: DrillOptions,
  startedAt: Date,
  staging: StagingHandle | null,
): DrillState {
  return {
    run: toRunState(rec),
    options: {
      system: options.system,
      environment: options.environment,
      targetTime: options.targetTime ? options.targetTime.toISOString() : null,
      backupId: options.backupId ?? null,
      mask: options.mask,
      rpoTargetSeconds: options.rpoTargetSeconds,
      rtoTargetSeconds: options.rtoTargetSeconds,
    },
    recoveryTargetTime: (options.targetTime ?? startedAt).toISOString(),
    backupId: null,
    staging,
    recoverStartedAt: null,
    recovered: false,
    verifiedAt: null,
    heartbeat: null,
    tornDown: false,
  };
}
