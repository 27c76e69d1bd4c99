import type { CanonicalEntry } from '../../core/replay/digest.js';
import { type DuplicateId, DuplicateScan } from '../../core/replay/duplicates.js';
import { classifyGaps, type Gap, GapTracker } from '../../core/replay/gaps.js';
import { OutboxTally } from '../../core/replay/outbox.js';
import type { FoldOutcome } from '../../core/replay/runner.js';
import type { ReplayWindow } from '../../core/replay/window.js';
import type { Progress, StreamEvent } from '../../ports.js';
import type { FoldEngine, FoldEngineFactory } from './foldEngine.js';
import type { PinnedWindow } from './pinWindow.js';
import type { RehearsalRun } from './rehearsalRun.js';
import type { ReplayRehearsalDeps, ReplayRehearsalInput } from './replayRehearsal.js';

export interface PassResult extends FoldOutcome {
  seconds: number;
  resumes: number;
}

/** What reading the window twice found: both passes, the gaps, the duplicates and the outbox tally. */
export interface FoldedPasses {
  pass1: PassResult;
  pass2: PassResult;
  gaps: Gap[];
  duplicates: DuplicateId[];
  /** Events without a message id (not screened for duplicates). */
  withoutId: number;
  tally: OutboxTally | null;
}

/**
 * Phases "read outbox", "pass 1: validate, fold, digest" and "pass 2: fold, digest": the outbox's
 * row ids (when one is given), then the window read twice from the base state. Pass 1 also tracks
 * gaps and duplicate ids and reconciles the outbox in batches; pass 2 confirms the duplicates and
 * folds again for the determinism check.
 */
export async function foldPasses(
  run: RehearsalRun,
  input: ReplayRehearsalInput,
  deps: ReplayRehearsalDeps,
  pinned: PinnedWindow,
  base: CanonicalEntry[] | null,
  makeEngine: FoldEngineFactory,
): Promise<FoldedPasses> {
  const { rec, progress, engines } = run;
  const { plan } = pinned;
  const { stream } = input;
  const w = plan.window;
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
  const tally = deps.outbox ? new OutboxTally(deps.outbox.table, rowIds, input.outboxBound ?? 100_000) : null;
  const lookup = async () => {
    if (!tally || !deps.outbox) return;
    const batch = tally.takeBatch();
    tally.recordMissing(batch, await deps.outbox.missing(batch.map((b) => b.msgId)));
  };
  // The second pass's engine boots while the first pass runs.
  const second = makeEngine(input.projection);
  second.begin(base);
  engines.push(second);
  const keepState = !plan.partial;
  const pass1 = await rec.phase('pass 1: validate, fold, digest', () =>
    runPass(deps, stream, w.fromSeq, readTo, engines[0]!, progress, keepState, (e) => {
      run.eventsRead++;
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
  return { pass1, pass2, gaps: gapList, duplicates: dups.duplicates(), withoutId: dups.withoutId, tally };
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
