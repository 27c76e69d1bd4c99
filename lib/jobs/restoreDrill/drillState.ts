import { BackupError, describeError, TimeoutError } from '../../core/errors.js';
import { compareManifest } from '../../core/manifest.js';
import { formatDuration, judgeObjectives, measureObjectives, serviceRto } from '../../core/objectives.js';
import { orphanCheck } from '../../core/orphans.js';
import type { RunRecorder } from '../../core/recorder.js';
import { type CatchUpSummary, type Report, reportKey } from '../../core/report.js';
import type {
  BackupRecord,
  BackupRepository,
  ManifestKeySource,
  PollableRestoreTarget,
  RestoreTarget,
  StagingHandle,
  StagingInspector,
} from '../../ports.js';
import { manifestIntegrityOf } from '../manifestSeal.js';
import { type Publishers, publishReportOnce } from '../publish.js';
import {
  clockOf,
  phase,
  type RunState,
  recordSpannedPhase,
  resumeRecorder,
  type StepDeps,
  stepRunner,
  toRunState,
} from '../runState.js';
import { startRun } from '../startRun.js';
import { type CatchUpDeps, runCatchUp } from './runCatchUp.js';

/**
 * The restore drill as separate steps over a JSON state, so that the local CLI (one step after
 * another, in-process) and the AWS state machine (one Lambda per step, with a polled wait in
 * between) run the same code. A step after a failure does nothing but pass the state on, so the
 * drill always reaches teardown and its report.
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
  /** The state machine's CatchUp state is still to run (AWS: Verify leaves masking to it). */
  catchUpPending?: boolean | undefined;
}

/** What the catch-up phase found, carried to the report. */
export type CatchUpState = Omit<CatchUpSummary, 'serviceRtoSeconds'> & {
  passed: boolean;
  /** The read models caught up (every check but the outbox one passed); absent in older states: `passed`. */
  caughtUp?: boolean | undefined;
};

/** The catch-up's sources for a restored staging database (built from systems[].restore.catchUp). */
export type CatchUpWiring = (
  staging: StagingHandle,
) => Omit<CatchUpDeps, 'progress' | 'signal'> | Promise<Omit<CatchUpDeps, 'progress' | 'signal'>>;

export interface DrillStepDeps extends StepDeps {
  backups: BackupRepository;
  /** Config backup.manifestKey: manifests must carry a matching HMAC. */
  manifestKey?: ManifestKeySource | undefined;
}

const clock = clockOf;

/** Runs `body` unless the drill already failed; a failure ends the recovery wait loop. */
const stepOn = stepRunner<DrillState>('drill', (next) => {
  next.recovered = true;
});

/**
 * Starts the drill: removes staging that killed drills left behind (the `orphaned-staging` check;
 * a leftover that cannot be removed fails the check, not the drill's start), picks the backup and
 * checks it.
 */
export async function beginDrill(
  deps: DrillStepDeps & { target?: Pick<RestoreTarget, 'sweepOrphans'> },
  options: DrillOptions,
): Promise<DrillState> {
  const now = clock(deps);
  const startedAt = now();
  const state = drillState(startDrillRun(options, now, startedAt), options, startedAt, null);
  return stepOn(deps, state, async (r, next) => {
    await sweepOrphans(deps, r);
    const { backup, skipped } = await chooseBackup(deps.backups, options);
    if (skipped.length > 0) {
      // A newer backup whose manifest capture failed (its report says why) cannot be verified.
      r.details['skippedBackups'] = skipped;
      deps.progress.step(`skipped newer backup(s) without a manifest: ${skipped.join(', ')}`);
    }
    next.backupId = backup.id;
    r.details['backupId'] = backup.id;
    r.details['backupTakenAt'] = backup.takenAt;
    deps.progress.step(`restore drill ${r.id}: backup ${backup.id}, target ${r.details['recoveryTarget']}`);
    const verified = await phase(deps, r, 'check-backup', async () => {
      const integrity = await manifestIntegrityOf(deps.backups, backup, deps.manifestKey);
      const checks = [integrity, ...(await deps.backups.verify(backup))];
      r.addChecks(checks);
      if (integrity.outcome === 'failed') throw new BackupError(`${integrity.detail}; not restoring it`);
      return checks;
    });
    // Only the backup's own checks: a failed orphan sweep is reported, but does not stop the drill.
    if (verified.some((c) => c.outcome === 'failed'))
      throw new BackupError('the backup failed its integrity checks; not restoring it');
  });
}

/** The sweep of earlier drills' leftovers, as one check; errors a state machine retries are thrown. */
async function sweepOrphans(
  deps: DrillStepDeps & { target?: Pick<RestoreTarget, 'sweepOrphans'> },
  rec: RunRecorder,
): Promise<void> {
  if (!deps.target?.sweepOrphans) return;
  try {
    rec.addChecks([orphanCheck(await deps.target.sweepOrphans(deps.progress))]);
  } catch (error) {
    if (deps.rethrow?.(error)) throw error;
    rec.check('orphaned-staging', 'failed', `could not look for leftover staging: ${describeError(error)}`);
  }
}

/** The drill's backup, re-read by each step: its manifest must still match its seal. */
async function backupOf(deps: DrillStepDeps, state: DrillState): Promise<BackupRecord> {
  const backup = state.backupId ? await deps.backups.get(state.backupId) : null;
  if (!backup?.manifest)
    throw new BackupError(`backup ${state.backupId ?? '(none)'} or its manifest is gone`);
  const integrity = await manifestIntegrityOf(deps.backups, backup, deps.manifestKey);
  if (integrity.outcome === 'failed') throw new BackupError(`${integrity.detail}; not using it`);
  return backup;
}

/** Lays the backup down in staging (local: copies files; RDS: starts the restore). */
export async function provisionStaging(
  deps: DrillStepDeps & { target: RestoreTarget | PollableRestoreTarget },
  state: DrillState,
): Promise<DrillState> {
  return stepOn(deps, state, async (rec, next) => {
    const backup = await backupOf(deps, state);
    const handle = await phase(deps, rec, 'provision', () =>
      deps.target.provision(backup, deps.progress, deps.signal),
    );
    next.staging = handle;
    next.recoverStartedAt = clock(deps)().toISOString();
    if ('recoveryPointFor' in deps.target) {
      const target = state.options.targetTime ? new Date(state.options.targetTime) : null;
      const used = deps.target.recoveryPointFor(backup, { time: target });
      if (used) {
        next.recoveryTargetTime = used.toISOString();
        rec.details['recoveryTargetUsed'] = used.toISOString();
      }
    }
  });
}

/** Recovers to the manifest's point, waiting in-process (local path). */
export async function recoverStaging(
  deps: DrillStepDeps & { target: RestoreTarget },
  state: DrillState,
): Promise<DrillState> {
  return stepOn(deps, state, async (rec, next) => {
    const backup = await backupOf(deps, state);
    const staging = state.staging!;
    const updated = await phase(deps, rec, 'recover', () =>
      deps.target.recoverToManifest(staging, backup, deps.progress, deps.signal),
    );
    if (updated) next.staging = updated;
    rec.addChecks((await deps.target.recoveryChecks?.(updated ?? staging)) ?? []);
    next.recovered = true;
  });
}

/**
 * One look at a recovery that runs on its own (RDS restore): records the 'recover' phase when it
 * finished, or fails the drill when it ran past `timeoutSeconds`. The state machine waits and
 * calls again while `recovered` is false.
 */
export async function pollStagingRecovery(
  deps: DrillStepDeps & { target: PollableRestoreTarget },
  state: DrillState,
  timeoutSeconds: number,
): Promise<DrillState> {
  if (state.recovered) return state;
  return stepOn(deps, state, async (rec, next) => {
    const started = state.recoverStartedAt ?? state.run.startedAt;
    const now = clock(deps)();
    let ready: StagingHandle | null;
    try {
      ready = await deps.target.pollRecovery(state.staging!);
    } catch (error) {
      if (deps.rethrow?.(error)) throw error;
      recordSpannedPhase(rec, 'recover', started, now, 'failed', describeError(error));
      throw error;
    }
    if (ready) {
      recordSpannedPhase(rec, 'recover', started, now, 'passed');
      rec.addChecks((await deps.target.recoveryChecks?.(ready)) ?? []);
      next.staging = ready;
      next.recovered = true;
      return;
    }
    const elapsed = (now.getTime() - new Date(started).getTime()) / 1000;
    if (elapsed > timeoutSeconds) {
      const error = new TimeoutError(
        `timed out after ${Math.round(timeoutSeconds)}s waiting for staging ${state.staging?.id} to become available`,
      );
      recordSpannedPhase(rec, 'recover', started, now, 'failed', error.message);
      throw error;
    }
    deps.progress.step(`staging ${state.staging?.id} still being restored (${Math.round(elapsed)}s)`);
  });
}

/** Verifies the restored database against the manifest (counts, checksums, migration head, version). */
export async function verifyStaging(
  deps: DrillStepDeps & { inspector: StagingInspector },
  state: DrillState,
): Promise<DrillState> {
  return stepOn(deps, state, async (rec) => {
    const manifest = (await backupOf(deps, state)).manifest!;
    const staging = state.staging!;
    await phase(deps, rec, 'verify', async () => {
      deps.progress.step(`verifying ${manifest.tables.length} tables against the manifest`);
      rec.addChecks(compareManifest(manifest, await deps.inspector.fingerprint(staging, manifest)));
      rec.addChecks(await deps.inspector.sourceFidelity(staging, manifest));
    });
  });
}

/** Rolls forward to the drill's target and opens the database (a no-op on targets that cannot). */
export async function rollForwardStaging(
  deps: DrillStepDeps & { target: RestoreTarget },
  state: DrillState,
): Promise<DrillState> {
  return stepOn(deps, state, async (rec) => {
    const staging = state.staging!;
    const time = state.options.targetTime ? new Date(state.options.targetTime) : null;
    await phase(deps, rec, 'roll-forward', async () => {
      await deps.target.rollForward(staging, { time }, deps.progress, deps.signal);
      rec.addChecks((await deps.target.recoveryChecks?.(staging)) ?? []);
    });
  });
}

/** amcheck, custom SQL checks and the newest heartbeat on the opened database; marks verification time. */
export async function verifyStagingTarget(
  deps: DrillStepDeps & { inspector: StagingInspector },
  state: DrillState,
): Promise<DrillState> {
  return stepOn(deps, state, async (rec, next) => {
    const staging = state.staging!;
    await phase(deps, rec, 'verify-target', async () => {
      deps.progress.step('checking indexes (amcheck), custom SQL checks and the newest heartbeat');
      const manifest = (await backupOf(deps, state)).manifest!;
      rec.addChecks(await deps.inspector.integrityChecks(staging, manifest));
      const heartbeat = await deps.inspector.newestHeartbeat(staging);
      next.heartbeat = heartbeat ? heartbeat.toISOString() : null;
      rec.check(
        'heartbeat',
        heartbeat ? 'passed' : 'inconclusive',
        heartbeat
          ? `newest restored heartbeat ${heartbeat.toISOString()}`
          : 'no heartbeat row in the restored database',
      );
    });
    if (!rec.failed) next.verifiedAt = clock(deps)().toISOString();
  });
}

/**
 * The optional catch-up phase, after the restored database passed verification (before masking
 * touches it): each read model replays the stream from its restored checkpoint to the live
 * checkpoint and must end where production is; the restored outbox is reconciled with the stream.
 */
export async function catchUpStaging(
  deps: DrillStepDeps & { catchUp?: CatchUpWiring | undefined },
  state: DrillState,
): Promise<DrillState> {
  return stepOn(deps, state, async (rec, next) => {
    const wiring = deps.catchUp;
    // Not configured: no phase at all, and the report carries no catch-up figures.
    if (!wiring) return;
    if (!state.verifiedAt || !state.staging) {
      rec.skipPhase('catch-up', 'the restored database did not pass verification');
      next.catchUp = null;
      return;
    }
    const staging = state.staging;
    const started = clock(deps)().getTime();
    const result = await phase(deps, rec, 'catch-up', async () => {
      const r = await runCatchUp({
        ...(await wiring(staging)),
        progress: deps.progress,
        signal: deps.signal,
      });
      rec.addChecks(r.checks);
      return r;
    });
    rec.details['catchUp'] = result.projections;
    // The whole phase (connecting, reading both checkpoints, the replay, the outbox): what service RTO adds.
    const seconds = Math.round(clock(deps)().getTime() - started) / 1000;
    next.catchUp = { ...result.summary, seconds, passed: result.passed, caughtUp: result.caughtUp };
  });
}

/** PII masking on the staging copy (after the inspector's staging guard), or a skipped phase. */
export async function maskStaging(
  deps: DrillStepDeps & { inspector: StagingInspector },
  state: DrillState,
): Promise<DrillState> {
  return stepOn(deps, state, async (rec) => {
    if (!state.options.mask) {
      rec.skipPhase('mask', 'no masking rules configured');
      return;
    }
    const staging = state.staging!;
    await phase(deps, rec, 'mask', async () => {
      rec.addChecks([await deps.inspector.mask(staging)]);
    });
  });
}

/**
 * Tears staging down: on success, after any failure, and when the state machine caught an error
 * (`caught`). Idempotent; a teardown failure is a failed check naming what may be left behind.
 */
export async function tearDownStaging(
  deps: DrillStepDeps & { target: RestoreTarget },
  state: DrillState,
  caught?: { error: string; cause?: string },
): Promise<DrillState> {
  const rec = resumeRecorder(state.run, clock(deps));
  if (caught) rec.fail(`${caught.error}: ${caught.cause ?? 'no cause given'}`);
  const next: DrillState = { ...state };
  if (state.staging && !state.tornDown) {
    const staging = state.staging;
    try {
      await rec.phase('teardown', () => deps.target.teardown(staging, deps.progress));
      next.tornDown = true;
    } catch (error) {
      if (deps.rethrow?.(error)) throw error;
      rec.check('teardown', 'failed', `staging ${staging.id} may be left behind: ${describeError(error)}`);
    }
  }
  next.run = toRunState(rec);
  return next;
}

/** RPO/RTO against their targets, then the report (stored, RUNBOOK.md, metrics, chat). */
export async function finishDrill(
  deps: { backups: BackupRepository; publishers: Publishers; now?: () => Date; target?: RestoreTarget },
  state: DrillState,
): Promise<{ report: Report; location: string }> {
  const now = clock(deps);
  const rec = resumeRecorder(state.run, now);
  await keepStagingLog(deps, state, rec);
  const backup = state.backupId ? await deps.backups.get(state.backupId).catch(() => null) : null;
  const measured = measureObjectives({
    drillStartedAt: new Date(state.run.startedAt),
    verifiedAt: state.verifiedAt ? new Date(state.verifiedAt) : null,
    recoveryTargetTime: new Date(state.recoveryTargetTime),
    newestHeartbeat: state.heartbeat ? new Date(state.heartbeat) : null,
    backupTakenAt: backup ? new Date(backup.takenAt) : null,
    newestRestorablePoint: await deps.backups.newestRestorablePoint().catch(() => null),
  });
  const targets = {
    rpoTargetSeconds: state.options.rpoTargetSeconds,
    rtoTargetSeconds: state.options.rtoTargetSeconds,
  };
  for (const v of judgeObjectives(measured, targets)) rec.check(v.name, v.outcome, v.detail);
  const catchUp = state.catchUp;
  if (catchUp === undefined) {
    return publishReportOnce(rec.finish({ objectives: { ...measured, ...targets } }), deps.publishers);
  }
  // Service RTO: the database verified plus the read models caught up from the stream.
  const caughtUp = catchUp?.caughtUp ?? catchUp?.passed ?? false;
  const serviceRtoSeconds = caughtUp ? serviceRto(measured.rtoSeconds, catchUp?.seconds ?? null) : null;
  const verdict = judgeServiceRto(serviceRtoSeconds, targets.rtoTargetSeconds);
  rec.check(verdict.name, verdict.outcome, verdict.detail);
  const { passed: _, caughtUp: __, ...figures } = catchUp ?? emptyCatchUp;
  return publishReportOnce(
    rec.finish({
      objectives: { ...measured, ...targets, serviceRtoSeconds },
      catchUp: { ...figures, serviceRtoSeconds },
    }),
    deps.publishers,
  );
}

const emptyCatchUp: CatchUpState = {
  stream: '',
  fromSeq: 0,
  toSeq: 0,
  events: 0,
  seconds: 0,
  digest: '',
  liveDigest: '',
  outboxToRepublish: 0,
  passed: false,
};

function judgeServiceRto(
  seconds: number | null,
  target: number,
): { name: string; outcome: 'passed' | 'failed' | 'inconclusive'; detail: string } {
  const name = 'service-rto-within-target';
  if (seconds === null) {
    return {
      name,
      outcome: 'inconclusive',
      detail: 'service RTO not measured: the read models did not catch up',
    };
  }
  return seconds <= target
    ? {
        name,
        outcome: 'passed',
        detail: `service RTO ${formatDuration(seconds)} (database + read models) within ${formatDuration(target)}`,
      }
    : {
        name,
        outcome: 'failed',
        detail: `service RTO ${formatDuration(seconds)} (database + read models) exceeds ${formatDuration(target)}`,
      };
}

/**
 * Stores the staging server's log (bounded by the target) beside the report, so the reason a
 * recovery failed can still be read after teardown removed the server; the report names the key.
 */
async function keepStagingLog(
  deps: { publishers: Publishers; target?: RestoreTarget },
  state: DrillState,
  rec: RunRecorder,
): Promise<void> {
  const store = deps.publishers.runbook;
  if (!state.staging || !deps.target?.serverLog || !store.putFile) return;
  try {
    const log = await deps.target.serverLog(state.staging);
    if (!log) return;
    const key = `${reportKey({ kind: 'restore-drill', id: rec.id, startedAt: state.run.startedAt })}.staging.log`;
    await store.putFile(key, log, 'text/plain; charset=utf-8');
    rec.details['stagingLog'] = key;
  } catch (error) {
    deps.publishers.warn?.(`could not keep the staging server's log: ${describeError(error)}`);
  }
}

/** The backup to restore, and the newer ones passed over because they have no manifest. */
async function chooseBackup(
  backups: BackupRepository,
  options: DrillOptions,
): Promise<{ backup: BackupRecord; skipped: string[] }> {
  if (options.backupId) {
    const backup = await backups.get(options.backupId);
    if (!backup) throw new BackupError(`backup ${options.backupId} not found`);
    if (!backup.manifest) throw new BackupError(`backup ${options.backupId} has no verification manifest`);
    return { backup, skipped: [] };
  }
  const all = await backups.list();
  const usable = all.filter(
    (b) =>
      b.manifest &&
      (!options.targetTime ||
        new Date(b.manifest.restorePoint?.time ?? b.manifest.capturedAt) <= options.targetTime),
  );
  const chosen = usable[0];
  if (!chosen) {
    throw new BackupError(
      all.length === 0
        ? 'no backups found: run `drillbook backup` first'
        : `no backup with a manifest ${options.targetTime ? `taken before ${options.targetTime.toISOString()}` : ''}`.trim(),
    );
  }
  const skipped = all.filter((b) => !b.manifest && b.takenAt > chosen.takenAt).map((b) => b.id);
  return { backup: chosen, skipped };
}

/**
 * A drill whose first step never returned (the state machine caught it): a failed state that
 * still names the staging the step may have started, so teardown can remove it.
 */
export function drillFailedBeforeStart(
  options: DrillOptions,
  caught: { error: string; cause?: string },
  staging: StagingHandle | null,
  now: () => Date = () => new Date(),
): DrillState {
  const startedAt = now();
  const rec = startDrillRun(options, now, startedAt);
  rec.fail(`${caught.error}: ${caught.cause ?? 'no cause given'}`);
  return { ...drillState(rec, options, startedAt, staging), recovered: true };
}

/** A drill's report, stamped with its start and naming its recovery target. */
function startDrillRun(options: DrillOptions, now: () => Date, startedAt: Date): RunRecorder {
  return startRun('restore-drill', options, {
    now,
    at: startedAt,
    details: { recoveryTarget: options.targetTime ? options.targetTime.toISOString() : 'latest' },
  });
}

/** The state a drill starts from: its options as JSON, nothing restored yet. */
function drillState(
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
