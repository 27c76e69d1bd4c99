import { describeError } from '../../core/errors.js';
import type { WindowPlan } from '../../core/replay/base.js';
import { checkNames, type ExpectedDigest } from '../../core/replay/checks.js';
import { emptyRejections, schemaViolationCount } from '../../core/replay/runner.js';
import type { ReplayWindow } from '../../core/replay/window.js';
import type { ReplaySummary } from '../../core/report.js';
import type { BaseState } from './baseState.js';
import type { FoldedPasses } from './foldPasses.js';
import type { RehearsalRun } from './rehearsalRun.js';
import type { RehearsalOutcome, ReplayRehearsalInput } from './replayRehearsal.js';

/** The report's details of a replayed window: both passes' figures, the gaps, duplicates and outbox. */
export function recordPassDetails(run: RehearsalRun, passes: FoldedPasses): void {
  const { pass1, pass2, tally } = passes;
  const { live } = run;
  Object.assign(run.rec.details, {
    entries: pass1.entries,
    applied: pass1.applied,
    resumes: pass1.resumes + pass2.resumes,
    passes: [pass1, pass2].map((p) => ({
      digest: p.digest,
      events: p.events,
      seconds: round(p.seconds),
      eventsPerSecond: rate(p.events, p.seconds),
    })),
    gapDetails: passes.gaps.slice(0, 100),
    duplicateIds: passes.duplicates.slice(0, 100),
    violations: pass1.violations,
    ...(typeof live === 'object' ? { live } : {}),
    ...(tally ? { outbox: tally.result() } : {}),
  });
}

/** The report's replay block for a replayed window. */
export function replaySummary(
  stream: string,
  plan: WindowPlan,
  passes: FoldedPasses,
  expected: ExpectedDigest | null,
  base: BaseState,
): ReplaySummary {
  const { pass1 } = passes;
  const w = plan.window;
  return {
    stream,
    fromSeq: w.fromSeq,
    toSeq: w.toSeq,
    events: pass1.events,
    gaps: passes.gaps.map((g) => [g.from, g.to]),
    duplicates: passes.duplicates.reduce((n, d) => n + d.seqs.length - 1, 0),
    schemaViolations: schemaViolationCount(pass1.rejections),
    digest: pass1.digest,
    ...(expected ? { expectedDigest: expected.digest } : {}),
    eventsPerSecond: rate(pass1.events, pass1.seconds),
    base: baseSummary(plan, base.digest, base.from),
    rejections: pass1.rejections,
  };
}

/** Where the replayed state started, for the report's replay.base. */
export function baseSummary(
  plan: WindowPlan,
  digest?: string,
  from?: string,
): NonNullable<ReplaySummary['base']> {
  // A run the plan blocked for want of a base state loaded none: say so rather than "empty".
  const none = plan.blocked?.name === checkNames.base ? 'none loaded, see the base state check' : undefined;
  const origin = from ?? none;
  return {
    source: plan.base.source,
    seq: plan.base.seq,
    ...(digest ? { digest } : {}),
    ...(origin ? { from: origin } : {}),
  };
}

/** The replay block of a window the run did not replay (the plan blocked it). */
export function emptySummary(stream: string, w: ReplayWindow, base: ReplaySummary['base']): ReplaySummary {
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

/**
 * A window the plan blocked (its check failed): pass 1 is skipped and the replay block is empty.
 * The outcome names no live digest.
 */
export function blockedOutcome(run: RehearsalRun, stream: string, plan: WindowPlan): RehearsalOutcome {
  const blocked = plan.blocked!;
  run.rec.addChecks([blocked]);
  run.rec.skipPhase('pass 1: validate, fold, digest', `not replayed: ${blocked.name} failed`);
  run.summary = emptySummary(stream, plan.window, baseSummary(plan));
  return { ...finishOutcome(run), live: null };
}

/**
 * A run that failed: the report records the failure, and keeps the replay block: the stream, the
 * window as far as it was pinned (else as requested) and the events read before the failure.
 */
export function recordRehearsalFailure(run: RehearsalRun, input: ReplayRehearsalInput, error: unknown): void {
  run.rec.fail(error);
  run.progress.step(`rehearsal failed: ${describeError(error)}`);
  const { plan } = run;
  run.summary = {
    ...emptySummary(
      input.stream,
      plan?.window ?? { fromSeq: input.fromSeq ?? 0, toSeq: input.toSeq ?? 0 },
      plan ? { source: plan.base.source, seq: plan.base.seq } : undefined,
    ),
    events: run.eventsRead,
  };
}

/** The report (finished now) and what the run reached. */
export function finishOutcome(run: RehearsalRun): RehearsalOutcome {
  const { rec, summary, state, plan, live, started } = run;
  const report = rec.finish(summary ? { replay: summary } : {});
  return {
    report,
    state,
    plan,
    live: typeof live === 'object' ? live : null,
    seconds: (performance.now() - started) / 1000,
  };
}

function rate(events: number, seconds: number): number {
  return seconds > 0 ? Math.round(events / seconds) : 0;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
