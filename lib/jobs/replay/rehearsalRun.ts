import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../core/errors.js';
import type { RunRecorder } from '../../core/recorder.js';
import { checkRequestedWindow, type WindowPlan } from '../../core/replay/base.js';
import type { LiveDigest } from '../../core/replay/checks.js';
import type { CanonicalEntry } from '../../core/replay/digest.js';
import type { ReplaySummary } from '../../core/report.js';
import { type Progress, silentProgress } from '../../ports.js';
import { startRun } from '../startRun.js';
import type { FoldEngine } from './foldEngine.js';
import type { ReplayRehearsalDeps, ReplayRehearsalInput } from './replayRehearsal.js';

/**
 * What the phases of one rehearsal share: the report being built and what the run has found so
 * far. A phase that fails part-way leaves what it found (the pinned plan, the live digest, the
 * events read) for the failed report.
 */
export interface RehearsalRun {
  rec: RunRecorder;
  progress: Progress;
  /** performance.now() at the start, for the outcome's seconds. */
  started: number;
  plan: WindowPlan | null;
  live: LiveDigest | string;
  summary: ReplaySummary | undefined;
  state: CanonicalEntry[] | null;
  eventsRead: number;
  /** Every fold engine started, closed when the run ends. */
  engines: FoldEngine[];
}

/** Bad input throws a ConfigError (exit code 2) before anything runs. */
export function checkRehearsalInput(input: ReplayRehearsalInput, deps: ReplayRehearsalDeps): void {
  checkRequestedWindow(input);
  if (input.base === 'table' && !deps.base) {
    throw new ConfigError('--base', 'table needs a base projection table (--pg-url or --base-pg-url)');
  }
}

/** The run's recorder (its id ends in the stream and the caller's run id) and its first details. */
export function startRehearsal(input: ReplayRehearsalInput, deps: ReplayRehearsalDeps): RehearsalRun {
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
  return {
    rec,
    progress,
    started,
    plan: null,
    live: 'no Postgres URL given: live projection not compared',
    summary: undefined,
    state: null,
    eventsRead: 0,
    engines: [],
  };
}

/** Closes the reader, the Postgres sources and every fold engine; a failing close is ignored. */
export async function closeRehearsal(
  deps: ReplayRehearsalDeps,
  engines: readonly FoldEngine[],
): Promise<void> {
  await Promise.all([
    deps.reader.close(),
    deps.live?.close(),
    deps.base?.close(),
    deps.outbox?.close(),
    ...engines.map((e) => e.close()),
  ]).catch(() => {});
}
