import { ConfigError, describeError } from '../../core/errors.js';
import type { Now } from '../../core/recorder.js';
import type { BaseChoice, WindowPlan } from '../../core/replay/base.js';
import type { LiveDigest } from '../../core/replay/checks.js';
import type { CanonicalEntry } from '../../core/replay/digest.js';
import type { AnyProjection } from '../../core/replay/projection.js';
import type { Report } from '../../core/report.js';
import type {
  EventStreamReader,
  LiveProjectionSource,
  OutboxSource,
  Progress,
  StreamEvent,
} from '../../ports.js';
import { type Publishers, publishReport } from '../publish.js';
import { loadBaseState } from './baseState.js';
import { expectedDigest } from './expectedDigest.js';
import { type FoldEngineFactory, inlineFoldEngine } from './foldEngine.js';
import { foldPasses } from './foldPasses.js';
import { pinWindow } from './pinWindow.js';
import { recordRehearsalChecks } from './rehearsalChecks.js';
import { checkRehearsalInput, closeRehearsal, startRehearsal } from './rehearsalRun.js';
import {
  blockedOutcome,
  finishOutcome,
  recordPassDetails,
  recordRehearsalFailure,
  replaySummary,
} from './rehearsalSummary.js';
import { storeSnapshot } from './replaySnapshots.js';

// The replay rehearsal job, one phase per file: rehearsalRun (input check, recorder, closing),
// pinWindow (window and base plan), baseState (the base's entries), expectedDigest (given or
// golden), foldPasses (outbox ids, pass 1 and pass 2), rehearsalChecks, rehearsalSummary (details,
// the replay block, the outcome); storing the snapshot and publishing are below.

export interface ReplayRehearsalInput {
  system: string;
  environment: string;
  stream: string;
  fromSeq?: number;
  toSeq?: number;
  projection: AnyProjection;
  /** Where the state starts (default "auto"; "table" when a base table is given). */
  base?: BaseChoice;
  /** Compare with this digest instead of the golden one from the runbook. */
  expectDigest?: string;
  /** How many outbox rows (oldest first) to reconcile. */
  outboxBound?: number;
  /** The caller's id for this run (state machine execution name), kept in the report's details. */
  runId?: string;
  /** Store the reached state as a snapshot when the run passes (default true). */
  storeSnapshot?: boolean;
}

export interface ReplayRehearsalDeps {
  reader: EventStreamReader;
  live?: LiveProjectionSource;
  /** A projection table to start from at its checkpoint (the live one, or a restored copy). */
  base?: LiveProjectionSource;
  outbox?: OutboxSource;
  publish: Publishers;
  progress?: Progress;
  signal?: AbortSignal;
  now?: Now;
  /** How passes fold (default inline; parallelFoldEngine folds on a worker thread). */
  foldEngine?: FoldEngineFactory;
  /** Sees every event of the first pass (the restore drill's outbox reconciliation uses it). */
  observe?: (event: StreamEvent) => void;
}

export interface ReplayRehearsalResult {
  report: Report;
  location: string;
}

/** What a rehearsal found, before it is published (the restore drill's catch-up uses it directly). */
export interface RehearsalOutcome {
  report: Report;
  /** The state reached, when the run passed and it is complete (for a snapshot). */
  state: CanonicalEntry[] | null;
  plan: WindowPlan | null;
  live: LiveDigest | null;
  seconds: number;
}

/**
 * The replay rehearsal: pin a window of the stream and the state it starts from (empty at 1, a
 * stored snapshot, or a projection table at its checkpoint), read it twice read-only, validate and
 * fold it through the projection, digest the result, and compare with the second pass, the
 * expected or golden digest, and the live projection in Postgres; reconcile the outbox. A passing
 * run stores its state as a snapshot at its last sequence. Always publishes a report, also when
 * the stream or the database cannot be read (bad input excepted: that throws a ConfigError before
 * anything runs).
 */
export async function runReplayRehearsal(
  input: ReplayRehearsalInput,
  deps: ReplayRehearsalDeps,
): Promise<ReplayRehearsalResult> {
  const outcome = await rehearse(input, deps);
  await keepSnapshot(input, deps, outcome);
  const location = await publishReport(outcome.report, deps.publish);
  return { report: outcome.report, location };
}

/** The rehearsal without publishing: the report and the state reached. */
export async function rehearse(
  input: ReplayRehearsalInput,
  deps: ReplayRehearsalDeps,
): Promise<RehearsalOutcome> {
  checkRehearsalInput(input, deps);
  const run = startRehearsal(input, deps);
  const makeEngine = deps.foldEngine ?? inlineFoldEngine;
  try {
    // Start the first pass's fold engine now: a worker thread boots while the window is pinned.
    run.engines.push(makeEngine(input.projection));
    const pinned = await pinWindow(run, input, deps);
    const { plan } = pinned;
    if (plan.blocked) return blockedOutcome(run, input.stream, plan);
    const base = await loadBaseState(run, input, deps, pinned);
    for (const e of run.engines) e.begin(base.entries);
    const expected = await expectedDigest(input, deps, plan);
    const passes = await foldPasses(run, input, deps, pinned, base.entries, makeEngine);
    recordRehearsalChecks(run, plan, base.check, passes, expected);
    recordPassDetails(run, passes);
    run.state = passes.pass1.state ?? null;
    run.summary = replaySummary(input.stream, plan, passes, expected, base);
  } catch (error) {
    // Bad input (a window past the stream's end, a bad table name) is exit code 2, not a report.
    if (error instanceof ConfigError) throw error;
    recordRehearsalFailure(run, input, error);
  } finally {
    await closeRehearsal(deps, run.engines);
  }
  return finishOutcome(run);
}

/** A passing, complete run stores the state it reached as a snapshot, named in details.snapshot. */
async function keepSnapshot(
  input: ReplayRehearsalInput,
  deps: ReplayRehearsalDeps,
  outcome: RehearsalOutcome,
): Promise<void> {
  const { report } = outcome;
  const snapshotWanted = input.storeSnapshot ?? true;
  if (!(snapshotWanted && report.outcome === 'passed' && outcome.state && report.replay)) return;
  try {
    const stored = await storeSnapshot(deps.publish.runbook, {
      system: input.system,
      stream: input.stream,
      projection: input.projection.name,
      lastSeq: report.replay.toSeq,
      digest: report.replay.digest,
      reportId: report.id,
      entries: outcome.state,
    });
    if (stored) report.details = { ...report.details, snapshot: stored };
  } catch (error) {
    deps.publish.warn?.(`could not store the snapshot: ${describeError(error)}`);
  }
}
