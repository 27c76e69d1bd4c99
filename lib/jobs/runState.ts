import { describeError, TimeoutError } from '../core/errors.js';
import { RunRecorder } from '../core/recorder.js';
import type { Check, Phase, ReportKind } from '../core/report.js';
import type { Progress } from '../ports.js';

/**
 * A run's recorder as plain JSON, so that a job split into steps (one Lambda per step in a state
 * machine, or one call after another locally) carries its phases and checks from step to step.
 */
export interface RunState {
  kind: ReportKind;
  id: string;
  system: string;
  environment: string;
  startedAt: string;
  phases: Phase[];
  checks: Check[];
  details: Record<string, unknown>;
  /** The first error that ended the run, when one did. */
  failure: string | null;
}

/** A recorder that continues the run described by `state`. */
export function resumeRecorder(state: RunState, now: () => Date): RunRecorder {
  let first = true;
  const rec = new RunRecorder(state.kind, state.id, state.system, state.environment, () => {
    if (first) {
      first = false;
      return new Date(state.startedAt);
    }
    return now();
  });
  rec.phases.push(...state.phases);
  rec.checks.push(...state.checks);
  Object.assign(rec.details, state.details);
  if (state.failure !== null) rec.fail(state.failure);
  return rec;
}

export function toRunState(rec: RunRecorder): RunState {
  const snapshot = rec.finish();
  return {
    kind: rec.kind,
    id: rec.id,
    system: rec.system,
    environment: rec.environment,
    startedAt: rec.startedAt.toISOString(),
    phases: [...rec.phases],
    checks: [...rec.checks],
    details: { ...rec.details },
    failure: snapshot.reason ?? null,
  };
}

/** Pushes a phase that spanned several steps (a started-then-polled restore or snapshot). */
export function recordSpannedPhase(
  rec: RunRecorder,
  name: string,
  startedAt: string,
  finishedAt: Date,
  outcome: Phase['outcome'],
  detail?: string,
): void {
  const phase: Phase = { name, startedAt, finishedAt: finishedAt.toISOString(), outcome };
  if (detail) phase.detail = detail;
  rec.phases.push(phase);
}

/**
 * One look at work that runs on its own and spans several steps (a snapshot, an RDS restore):
 * `look` returns the result once it is done, and the phase `name` is recorded as passed; when
 * `look` fails (and is not rethrown for a retry), or the wait from `startedAt` passed
 * `timeoutSeconds`, the phase is recorded as failed and the error thrown. While it is still
 * running, a progress line says so and null is returned: the state machine waits and looks again.
 */
export async function pollSpannedPhase<T>(
  deps: StepDeps,
  rec: RunRecorder,
  wait: {
    name: string;
    startedAt: string;
    timeoutSeconds: number;
    /** What is waited for, for the timeout error: "backup X", "staging X to become available". */
    waitingFor: string;
    /** The progress line while it runs, given the seconds waited so far. */
    stillRunning: (seconds: number) => string;
  },
  look: () => Promise<T | null>,
): Promise<T | null> {
  const now = clockOf(deps)();
  let done: T | null;
  try {
    done = await look();
  } catch (error) {
    if (deps.rethrow?.(error)) throw error;
    recordSpannedPhase(rec, wait.name, wait.startedAt, now, 'failed', describeError(error));
    throw error;
  }
  if (done) {
    recordSpannedPhase(rec, wait.name, wait.startedAt, now, 'passed');
    return done;
  }
  const elapsed = (now.getTime() - new Date(wait.startedAt).getTime()) / 1000;
  if (elapsed > wait.timeoutSeconds) {
    const error = new TimeoutError(
      `timed out after ${Math.round(wait.timeoutSeconds)}s waiting for ${wait.waitingFor}`,
    );
    recordSpannedPhase(rec, wait.name, wait.startedAt, now, 'failed', error.message);
    throw error;
  }
  deps.progress.step(wait.stillRunning(Math.round(elapsed)));
  return null;
}

/** What every step of a split job needs. */
export interface StepDeps {
  progress: Progress;
  signal: AbortSignal;
  now?: () => Date;
  /**
   * Errors a state machine retries (throttling, transient faults) are thrown instead of recorded,
   * so the ASL Retry re-runs the (idempotent) step. Locally nothing is retried this way.
   */
  rethrow?: (error: unknown) => boolean;
}

export const clockOf = (deps: { now?: () => Date }): (() => Date) => deps.now ?? (() => new Date());

/**
 * Runs `body` on a recorder resumed from the state, unless the run already failed. An error that is
 * not rethrown for a retry fails the run; `onFailure` marks the state so that wait loops end.
 */
async function runStep<S extends { run: RunState }>(
  deps: StepDeps,
  state: S,
  what: string,
  onFailure: (next: S) => void,
  body: (rec: RunRecorder, next: S) => Promise<void>,
): Promise<S> {
  if (state.run.failure !== null) return state;
  const rec = resumeRecorder(state.run, clockOf(deps));
  const next: S = { ...state };
  try {
    deps.signal.throwIfAborted();
    await body(rec, next);
  } catch (error) {
    if (deps.rethrow?.(error)) throw error;
    rec.fail(error);
    onFailure(next);
    deps.progress.step(`${what} failed: ${describeError(error)}`);
  }
  next.run = toRunState(rec);
  return next;
}

/**
 * The `runStep` of one split job: `what` names it in progress lines, `onFailure` marks its state
 * so its wait loop ends (a backup's `taken`, a drill's `recovered`).
 */
export function stepRunner<S extends { run: RunState }>(
  what: string,
  onFailure: (next: S) => void,
): (deps: StepDeps, state: S, body: (rec: RunRecorder, next: S) => Promise<void>) => Promise<S> {
  return (deps, state, body) => runStep(deps, state, what, onFailure, body);
}

/** A timed phase that refuses to start once the run was interrupted. */
export function phase<T>(
  deps: { signal: AbortSignal },
  rec: RunRecorder,
  name: string,
  fn: () => Promise<T>,
): Promise<T> {
  return rec.stepsUntil(deps.signal)(name, fn);
}
