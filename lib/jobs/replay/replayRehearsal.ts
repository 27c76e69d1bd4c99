import { randomBytes } from 'node:crypto';
import { ConfigError, describeError } from '../../core/errors.js';
import type { Now, RunRecorder } from '../../core/recorder.js';
import {
  type BaseChoice,
  checkRequestedWindow,
  planWindow,
  type WindowPlan,
} from '../../core/replay/base.js';
import {
  appliedCheck,
  checkNames,
  determinismCheck,
  duplicatesCheck,
  type ExpectedDigest,
  expectedDigestCheck,
  gapsCheck,
  type LiveDigest,
  liveDigestCheck,
  outboxChecks,
  schemasCheck,
} from '../../core/replay/checks.js';
import type { CanonicalEntry } from '../../core/replay/digest.js';
import { DuplicateScan } from '../../core/replay/duplicates.js';
import { classifyGaps, type Gap, GapTracker } from '../../core/replay/gaps.js';
import { OutboxTally } from '../../core/replay/outbox.js';
import type { AnyProjection } from '../../core/replay/projection.js';
import { emptyRejections, type FoldOutcome, schemaViolationCount } from '../../core/replay/runner.js';
import type { ReplayWindow } from '../../core/replay/window.js';
import type { Check, ReplaySummary, Report } from '../../core/report.js';
import {
  type EventStreamReader,
  type LiveProjectionSource,
  type OutboxSource,
  type Progress,
  type ProjectionTableState,
  type RunbookStore,
  type StreamEvent,
  silentProgress,
} from '../../ports.js';
import { type Publishers, publishReport } from '../publish.js';
import { startRun } from '../startRun.js';
import { type FoldEngine, type FoldEngineFactory, inlineFoldEngine } from './foldEngine.js';
import { loadSnapshot, storedSnapshots, storeSnapshot } from './replaySnapshots.js';

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

interface PassResult extends FoldOutcome {
  seconds: number;
  resumes: number;
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
  const { report } = outcome;
  const snapshotWanted = input.storeSnapshot ?? true;
  if (snapshotWanted && report.outcome === 'passed' && outcome.state && report.replay) {
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
  const location = await publishReport(report, deps.publish);
  return { report, location };
}

/** The rehearsal without publishing: the report and the state reached. */
export async function rehearse(
  input: ReplayRehearsalInput,
  deps: ReplayRehearsalDeps,
): Promise<RehearsalOutcome> {
  checkRequestedWindow(input);
  if (input.base === 'table' && !deps.base) {
    throw new ConfigError('--base', 'table needs a base projection table (--pg-url or --base-pg-url)');
  }
  const now = deps.now ?? (() => new Date());
  const progress = deps.progress ?? silentProgress;
  const { projection, stream } = input;
  const started = performance.now();
  const rec = startRun('replay-rehearsal', input, {
    now,
    idSuffix: `${stream}-${input.runId ?? randomBytes(3).toString('hex')}`,
  });
  rec.details['projection'] = projection.name;
  if (input.runId) rec.details['runId'] = input.runId;
  let plan: WindowPlan | null = null;
  let live: LiveDigest | string = 'no Postgres URL given: live projection not compared';
  let summary: ReplaySummary | undefined;
  let state: CanonicalEntry[] | null = null;
  let eventsRead = 0;
  const makeEngine = deps.foldEngine ?? inlineFoldEngine;
  const engines: FoldEngine[] = [];
  try {
    // Start the first pass's fold engine now: a worker thread boots while the window is pinned.
    engines.push(makeEngine(projection));
    const pinned = await rec.phase('pin window', async () => {
      progress.step(`reading the state of stream ${stream}`);
      const streamState = await deps.reader.state(stream);
      let liveDigest: LiveDigest | null = null;
      if (deps.live) {
        progress.step('digesting the live projection (one snapshot)');
        liveDigest = await deps.live.digest();
        live = liveDigest ?? 'the live projection has no checkpoint row';
      }
      let table: ProjectionTableState | null = null;
      if (deps.base) {
        if (!deps.base.state) throw new ConfigError('--base', 'the base table cannot be read as a state');
        progress.step('reading the base projection table at its checkpoint (one snapshot)');
        table = await deps.base.state();
      }
      const choice = input.base ?? (deps.base ? 'table' : 'auto');
      const snapshots =
        choice === 'auto' || choice === 'snapshot'
          ? await storedSnapshots(deps.publish.runbook, input.system, stream, projection.name)
          : [];
      const p = planWindow({
        requested: { fromSeq: input.fromSeq, toSeq: input.toSeq, base: choice },
        stream: streamState,
        liveCheckpoint: liveDigest?.checkpoint ?? null,
        tableCheckpoint: table?.checkpoint ?? null,
        snapshots,
      });
      const w = p.window;
      const deleted =
        p.blocked || w.fromSeq > w.toSeq
          ? new Set<number>()
          : await deps.reader.deletedIn(stream, w.fromSeq, w.toSeq);
      return { plan: p, firstSeq: streamState.firstSeq, deleted, table };
    });
    plan = pinned.plan;
    const w = plan.window;
    rec.details['window'] = `${w.fromSeq}..${w.toSeq}`;
    progress.step(
      `window ${stream} ${w.fromSeq}..${w.toSeq} (${Math.max(0, w.toSeq - w.fromSeq + 1)} sequences) from ${describeBase(plan)}`,
    );
    const baseSummary = (digest?: string, from?: string): NonNullable<ReplaySummary['base']> => ({
      source: plan!.base.source,
      seq: plan!.base.seq,
      ...(digest ? { digest } : {}),
      ...(from ? { from } : {}),
    });
    if (plan.blocked) {
      rec.addChecks([plan.blocked]);
      rec.skipPhase('pass 1: validate, fold, digest', `not replayed: ${plan.blocked.name} failed`);
      summary = emptySummary(stream, w, baseSummary());
      return finishOutcome(rec, summary, null, plan, null, started);
    }

    // The base state's entries: a stored snapshot (checked against its digest) or the table's rows.
    let base: CanonicalEntry[] | null = null;
    let baseCheck: Check;
    let baseDigest: string | undefined;
    let baseFrom: string | undefined;
    const b = plan.base;
    if (b.source === 'snapshot') {
      base = await rec.phase('load base state', () =>
        loadSnapshot(deps.publish.runbook, b.snapshot, { stream, projection: projection.name }),
      );
      baseDigest = b.snapshot.digest;
      baseFrom = `report ${b.snapshot.reportId}`;
      baseCheck = {
        name: checkNames.base,
        outcome: 'passed',
        detail: `snapshot at ${b.seq} stored by passing report ${b.snapshot.reportId} (${base.length} entries, digest ${b.snapshot.digest.slice(0, 12)}... verified)`,
      };
    } else if (b.source === 'table') {
      const t = pinned.table!;
      base = t.entries;
      baseDigest = t.digest;
      baseFrom = t.table;
      baseCheck = {
        name: checkNames.base,
        outcome: 'passed',
        detail: `${t.table} at checkpoint ${t.checkpoint} (${t.rows} row(s), digest ${t.digest.slice(0, 12)}..., read in one snapshot)`,
      };
    } else if (plan.partial) {
      baseCheck = {
        name: checkNames.base,
        outcome: 'skipped',
        detail: `empty state for a window starting at ${w.fromSeq} (--base empty): the digest covers only the window's events`,
      };
    } else {
      baseCheck = { name: checkNames.base, outcome: 'passed', detail: 'empty state: the window starts at 1' };
    }
    for (const e of engines) e.begin(base);

    const expected = input.expectDigest
      ? { digest: input.expectDigest, source: '--expect-digest' }
      : await goldenDigest(deps.publish.runbook, input.system, stream, projection.name, w, plan.partial);

    let rowIds: string[] = [];
    if (deps.outbox) {
      const outbox = deps.outbox;
      rowIds = await rec.phase('read outbox', () => outbox.rowIds(input.outboxBound ?? 100_000));
    }

    // Read no further than the last sequence the stream still holds: a window whose tail is all
    // deleted or purged ends there instead of waiting for messages that will never come.
    const readTo = lastPresent(w, pinned.firstSeq, pinned.deleted);
    const gaps = new GapTracker(w.fromSeq, w.toSeq);
    const dups = new DuplicateScan(Math.max(1, w.toSeq - w.fromSeq + 1));
    const tally = deps.outbox
      ? new OutboxTally(deps.outbox.table, rowIds, input.outboxBound ?? 100_000)
      : null;
    const lookup = async () => {
      if (!tally || !deps.outbox) return;
      const batch = tally.takeBatch();
      tally.recordMissing(batch, await deps.outbox.missing(batch.map((b) => b.msgId)));
    };
    // The second pass's engine boots while the first pass runs.
    const second = makeEngine(projection);
    second.begin(base);
    engines.push(second);
    const keepState = !plan.partial;
    const pass1 = await rec.phase('pass 1: validate, fold, digest', () =>
      runPass(deps, stream, w.fromSeq, readTo, engines[0]!, progress, keepState, (e) => {
        eventsRead++;
        gaps.see(e.seq);
        dups.screen(e.msgId);
        deps.observe?.(e);
        if (tally?.see(e.seq, e.msgId)) return lookup();
        return undefined;
      }),
    );
    if (tally) await lookup();
    const pass2 = await rec.phase('pass 2: fold, digest', () =>
      runPass(deps, stream, w.fromSeq, readTo, engines[1]!, progress, false, (e) => {
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
      plan.retention,
      baseCheck,
      gapsCheck(gapList),
      duplicatesCheck(duplicates, dups.withoutId),
      schemasCheck(pass1.rejections, pass1.violations, pass1.events),
      appliedCheck(pass1.rejections, pass1.violations, pass1.applied, plan.partial),
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
    state = pass1.state ?? null;
    summary = {
      stream,
      fromSeq: w.fromSeq,
      toSeq: w.toSeq,
      events: pass1.events,
      gaps: gapList.map((g) => [g.from, g.to]),
      duplicates: duplicates.reduce((n, d) => n + d.seqs.length - 1, 0),
      schemaViolations: schemaViolationCount(pass1.rejections),
      digest: pass1.digest,
      ...(expected ? { expectedDigest: expected.digest } : {}),
      eventsPerSecond: rate(pass1.events, pass1.seconds),
      base: baseSummary(baseDigest, baseFrom),
      rejections: pass1.rejections,
    };
  } catch (error) {
    // Bad input (a window past the stream's end, a bad table name) is exit code 2, not a report.
    if (error instanceof ConfigError) throw error;
    rec.fail(error);
    progress.step(`rehearsal failed: ${describeError(error)}`);
    // The failed report keeps the replay block: the stream, the window as far as it was pinned
    // (else as requested) and the events read before the failure.
    summary = {
      ...emptySummary(
        stream,
        plan?.window ?? { fromSeq: input.fromSeq ?? 0, toSeq: input.toSeq ?? 0 },
        plan ? { source: plan.base.source, seq: plan.base.seq } : undefined,
      ),
      events: eventsRead,
    };
  } finally {
    await Promise.all([
      deps.reader.close(),
      deps.live?.close(),
      deps.base?.close(),
      deps.outbox?.close(),
      ...engines.map((e) => e.close()),
    ]).catch(() => {});
  }
  return finishOutcome(rec, summary, state, plan, typeof live === 'object' ? live : null, started);
}

function finishOutcome(
  rec: RunRecorder,
  summary: ReplaySummary | undefined,
  state: CanonicalEntry[] | null,
  plan: WindowPlan | null,
  live: LiveDigest | null,
  started: number,
): RehearsalOutcome {
  const report = rec.finish(summary ? { replay: summary } : {});
  return { report, state, plan, live, seconds: (performance.now() - started) / 1000 };
}

function emptySummary(stream: string, w: ReplayWindow, base: ReplaySummary['base']): ReplaySummary {
  return {
    stream,
    fromSeq: w.fromSeq,
    toSeq: w.toSeq,
    events: 0,
    gaps: [],
    duplicates: 0,
    schemaViolations: 0,
    digest: '',
    eventsPerSecond: 0,
    ...(base ? { base } : {}),
    rejections: emptyRejections(),
  };
}

function describeBase(plan: WindowPlan): string {
  const b = plan.base;
  if (b.source === 'snapshot') return `the snapshot at ${b.seq} (report ${b.snapshot.reportId})`;
  if (b.source === 'table') return `the base table at its checkpoint ${b.seq}`;
  return 'an empty state';
}

/** The last sequence of the window the stream still holds (below fromSeq when it holds none). */
export function lastPresent(w: ReplayWindow, firstSeq: number, deleted: ReadonlySet<number>): number {
  let seq = w.toSeq;
  while (seq >= w.fromSeq && (seq < firstSeq || deleted.has(seq))) {
    if (seq < firstSeq) return w.fromSeq - 1;
    seq--;
  }
  return seq;
}

async function runPass(
  deps: ReplayRehearsalDeps,
  stream: string,
  fromSeq: number,
  readTo: number,
  engine: FoldEngine,
  progress: Progress,
  keepState: boolean,
  observe: (e: StreamEvent) => Promise<void> | undefined,
): Promise<PassResult> {
  const started = performance.now();
  try {
    let resumes = 0;
    if (readTo >= fromSeq) {
      const stats = await deps.reader.readWindow(
        stream,
        { fromSeq, toSeq: readTo },
        (event) => {
          const folding = engine.push(event);
          const observing = observe(event);
          if (folding && observing) return Promise.all([folding, observing]).then(() => undefined);
          return folding ?? observing;
        },
        deps.signal,
      );
      resumes = stats.resumes;
    }
    const outcome = await engine.finish(keepState);
    const seconds = (performance.now() - started) / 1000;
    progress.step(
      `${outcome.events} events in ${seconds.toFixed(1)}s, digest ${outcome.digest.slice(0, 12)}...`,
    );
    return { ...outcome, seconds, resumes };
  } finally {
    await engine.close();
  }
}

/**
 * The digest of the newest passing rehearsal of the same system, stream and projection that
 * reached the same state: the same end from a complete state (from 1, a snapshot or a table; the
 * state at a sequence does not depend on where the replay started), or, for a partial window
 * folded from an empty state, the same window.
 */
async function goldenDigest(
  runbook: RunbookStore,
  system: string,
  stream: string,
  projection: string,
  w: ReplayWindow,
  partial: boolean,
): Promise<ExpectedDigest | null> {
  const reports = await runbook.listReports({ kind: 'replay-rehearsal', system, limit: 500 });
  const golden = reports.find((r) => {
    const replay = r.replay;
    if (r.outcome !== 'passed' || replay?.stream !== stream || r.details?.['projection'] !== projection)
      return false;
    if (replay.toSeq !== w.toSeq) return false;
    const theirsPartial = replay.base
      ? replay.base.source === 'empty' && replay.fromSeq > 1
      : replay.fromSeq > 1;
    return partial ? theirsPartial && replay.fromSeq === w.fromSeq : !theirsPartial;
  });
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
