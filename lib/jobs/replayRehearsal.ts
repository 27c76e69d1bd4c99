import { randomBytes } from 'node:crypto';
import { ConfigError, describeError } from '../core/errors.js';
import type { Now } from '../core/recorder.js';
import { RunRecorder } from '../core/recorder.js';
import {
  determinismCheck,
  duplicatesCheck,
  type ExpectedDigest,
  expectedDigestCheck,
  gapsCheck,
  type LiveDigest,
  liveDigestCheck,
  outboxChecks,
  schemasCheck,
} from '../core/replay/checks.js';
import { DuplicateScan } from '../core/replay/duplicates.js';
import { classifyGaps, type Gap, GapTracker } from '../core/replay/gaps.js';
import { OutboxTally } from '../core/replay/outbox.js';
import type { AnyProjection } from '../core/replay/projection.js';
import type { FoldOutcome } from '../core/replay/runner.js';
import { pinWindow, type ReplayWindow } from '../core/replay/window.js';
import { type ReplaySummary, type Report, reportId } from '../core/report.js';
import {
  type EventStreamReader,
  type LiveProjectionSource,
  type OutboxSource,
  type Progress,
  type RunbookStore,
  silentProgress,
} from '../ports.js';
import { type FoldEngine, type FoldEngineFactory, inlineFoldEngine } from './foldEngine.js';
import { type Publishers, publishReport } from './publish.js';

export interface ReplayRehearsalInput {
  system: string;
  environment: string;
  stream: string;
  fromSeq?: number;
  toSeq?: number;
  projection: AnyProjection;
  /** Compare with this digest instead of the golden one from the runbook. */
  expectDigest?: string;
  /** How many outbox rows (oldest first) to reconcile. */
  outboxBound?: number;
  /** The caller's id for this run (state machine execution name), kept in the report's details. */
  runId?: string;
}

export interface ReplayRehearsalDeps {
  reader: EventStreamReader;
  live?: LiveProjectionSource;
  outbox?: OutboxSource;
  publish: Publishers;
  progress?: Progress;
  signal?: AbortSignal;
  now?: Now;
  /** How passes fold (default inline; parallelFoldEngine folds on a worker thread). */
  foldEngine?: FoldEngineFactory;
}

export interface ReplayRehearsalResult {
  report: Report;
  location: string;
}

interface PassResult extends FoldOutcome {
  seconds: number;
  resumes: number;
}

/**
 * The replay rehearsal: pin a window of the stream, read it twice read-only, validate and fold it
 * through the projection, digest the result, and compare with the second pass, the expected or
 * golden digest, and the live projection in Postgres; reconcile the outbox. Always publishes a
 * report, also when the stream or the database cannot be read (bad input excepted: that throws a
 * ConfigError before anything runs).
 */
export async function runReplayRehearsal(
  input: ReplayRehearsalInput,
  deps: ReplayRehearsalDeps,
): Promise<ReplayRehearsalResult> {
  const now = deps.now ?? (() => new Date());
  const progress = deps.progress ?? silentProgress;
  const { projection, stream } = input;
  const rec = new RunRecorder(
    'replay-rehearsal',
    reportId(
      'replay-rehearsal',
      input.system,
      now(),
      `${stream}-${input.runId ?? randomBytes(3).toString('hex')}`,
    ),
    input.system,
    input.environment,
    now,
  );
  rec.details['projection'] = projection.name;
  if (input.runId) rec.details['runId'] = input.runId;
  let window: ReplayWindow | null = null;
  let live: LiveDigest | string = 'no Postgres URL given: live projection not compared';
  let summary: ReplaySummary | undefined;
  const makeEngine = deps.foldEngine ?? inlineFoldEngine;
  const engines: FoldEngine[] = [];
  try {
    // Start the first pass's fold engine now: a worker thread boots while the window is pinned.
    engines.push(makeEngine(projection));
    const pinned = await rec.phase('pin window', async () => {
      progress.step(`reading the state of stream ${stream}`);
      const state = await deps.reader.state(stream);
      let liveDigest: LiveDigest | null = null;
      if (deps.live) {
        progress.step('digesting the live projection (one snapshot)');
        liveDigest = await deps.live.digest();
        live = liveDigest ?? 'the live projection has no checkpoint row';
      }
      const w = pinWindow(input, state, liveDigest?.checkpoint ?? null);
      const deleted = await deps.reader.deletedIn(stream, w.fromSeq, w.toSeq);
      return { window: w, firstSeq: state.firstSeq, deleted };
    });
    window = pinned.window;
    const w = pinned.window;
    rec.details['window'] = `${w.fromSeq}..${w.toSeq}`;
    progress.step(`window ${stream} ${w.fromSeq}..${w.toSeq} (${w.toSeq - w.fromSeq + 1} sequences)`);

    const expected = input.expectDigest
      ? { digest: input.expectDigest, source: '--expect-digest' }
      : await goldenDigest(deps.publish.runbook, input.system, stream, projection.name, w);

    let rowIds: string[] = [];
    if (deps.outbox) {
      const outbox = deps.outbox;
      rowIds = await rec.phase('read outbox', () => outbox.rowIds(input.outboxBound ?? 100_000));
    }

    const gaps = new GapTracker(w.fromSeq, w.toSeq);
    const dups = new DuplicateScan(w.toSeq - w.fromSeq + 1);
    const tally = deps.outbox
      ? new OutboxTally(deps.outbox.table, rowIds, input.outboxBound ?? 100_000)
      : null;
    const lookup = async () => {
      if (!tally || !deps.outbox) return;
      const batch = tally.takeBatch();
      tally.recordMissing(batch, await deps.outbox.missing(batch.map((b) => b.msgId)));
    };
    // The second pass's engine boots while the first pass runs.
    engines.push(makeEngine(projection));
    const pass1 = await rec.phase('pass 1: validate, fold, digest', () =>
      runPass(deps, stream, w, engines[0]!, progress, (e) => {
        gaps.see(e.seq);
        dups.screen(e.msgId);
        if (tally?.see(e.seq, e.msgId)) return lookup();
        return undefined;
      }),
    );
    if (tally) await lookup();
    const pass2 = await rec.phase('pass 2: fold, digest', () =>
      runPass(deps, stream, w, engines[1]!, progress, (e) => {
        dups.confirm(e.msgId, e.seq);
        return undefined;
      }),
    );

    const gapList: Gap[] = classifyGaps(gaps.finish(), {
      firstSeq: pinned.firstSeq,
      deleted: pinned.deleted,
    });
    const duplicates = dups.duplicates();
    rec.addChecks([
      gapsCheck(gapList),
      duplicatesCheck(duplicates, dups.withoutId),
      schemasCheck(pass1.violationCount, pass1.violations, pass1.events),
      determinismCheck(pass1.digest, pass2.digest),
      expectedDigestCheck(pass1.digest, expected),
      liveDigestCheck(pass1.digest, w.toSeq, live),
    ]);
    if (tally) rec.addChecks(outboxChecks(tally.result()));
    else rec.check('outbox reconciliation', 'skipped', 'no outbox table given');

    Object.assign(rec.details, {
      entries: pass1.entries,
      applied: pass1.applied,
      resumes: pass1.resumes + pass2.resumes,
      passes: [pass1, pass2].map((p) => ({
        digest: p.digest,
        events: p.events,
        seconds: round(p.seconds),
        eventsPerSecond: rate(p.events, p.seconds),
      })),
      gapDetails: gapList.slice(0, 100),
      duplicateIds: duplicates.slice(0, 100),
      violations: pass1.violations,
      ...(typeof live === 'object' ? { live } : {}),
      ...(tally ? { outbox: tally.result() } : {}),
    });
    summary = {
      stream,
      fromSeq: w.fromSeq,
      toSeq: w.toSeq,
      events: pass1.events,
      gaps: gapList.map((g) => [g.from, g.to]),
      duplicates: duplicates.reduce((n, d) => n + d.seqs.length - 1, 0),
      schemaViolations: pass1.violationCount,
      digest: pass1.digest,
      ...(expected ? { expectedDigest: expected.digest } : {}),
      eventsPerSecond: rate(pass1.events, pass1.seconds),
    };
  } catch (error) {
    // Bad input (a window past the stream's end, a bad table name) is exit code 2, not a report.
    if (error instanceof ConfigError) throw error;
    rec.fail(error);
    progress.step(`rehearsal failed: ${describeError(error)}`);
    if (window) {
      summary = {
        stream,
        fromSeq: window.fromSeq,
        toSeq: window.toSeq,
        events: 0,
        gaps: [],
        duplicates: 0,
        schemaViolations: 0,
        digest: '',
        eventsPerSecond: 0,
      };
    }
  } finally {
    await Promise.all([
      deps.reader.close(),
      deps.live?.close(),
      deps.outbox?.close(),
      ...engines.map((e) => e.close()),
    ]).catch(() => {});
  }
  const report = rec.finish(summary ? { replay: summary } : {});
  const location = await publishReport(report, deps.publish);
  return { report, location };
}

async function runPass(
  deps: ReplayRehearsalDeps,
  stream: string,
  w: ReplayWindow,
  engine: FoldEngine,
  progress: Progress,
  observe: (e: { seq: number; msgId: string | undefined }) => Promise<void> | undefined,
): Promise<PassResult> {
  const started = performance.now();
  try {
    const stats = await deps.reader.readWindow(
      stream,
      w,
      (event) => {
        const folding = engine.push(event);
        const observing = observe(event);
        if (folding && observing) return Promise.all([folding, observing]).then(() => undefined);
        return folding ?? observing;
      },
      deps.signal,
    );
    const outcome = await engine.finish();
    const seconds = (performance.now() - started) / 1000;
    progress.step(
      `${outcome.events} events in ${seconds.toFixed(1)}s, digest ${outcome.digest.slice(0, 12)}...`,
    );
    return { ...outcome, seconds, resumes: stats.resumes };
  } finally {
    await engine.close();
  }
}

/** The digest of the newest passing rehearsal of the same system, stream, projection and window. */
async function goldenDigest(
  runbook: RunbookStore,
  system: string,
  stream: string,
  projection: string,
  w: ReplayWindow,
): Promise<ExpectedDigest | null> {
  const reports = await runbook.listReports({ kind: 'replay-rehearsal', system, limit: 500 });
  const golden = reports.find(
    (r) =>
      r.outcome === 'passed' &&
      r.replay?.stream === stream &&
      r.replay.fromSeq === w.fromSeq &&
      r.replay.toSeq === w.toSeq &&
      r.details?.['projection'] === projection,
  );
  return golden?.replay
    ? { digest: golden.replay.digest, source: `golden digest of report ${golden.id}` }
    : null;
}

function rate(events: number, seconds: number): number {
  return seconds > 0 ? Math.round(events / seconds) : 0;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
