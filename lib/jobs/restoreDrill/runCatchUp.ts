import { describeError } from '../../core/errors.js';
import { checkNames } from '../../core/replay/checks.js';
import type { AnyProjection } from '../../core/replay/projection.js';
import {
  type RepublishResult,
  reconcileRepublication,
  republishCheckName,
} from '../../core/replay/republish.js';
import type { CatchUpSummary, Check } from '../../core/report.js';
import type {
  EventStreamReader,
  LiveProjectionSource,
  Progress,
  RunbookStore,
  StreamEvent,
  UnpublishedOutboxSource,
} from '../../ports.js';
import { rehearse } from '../replay/replayRehearsal.js';

/** One read model to catch up: its projection, the restored table and the live one. */
export interface CatchUpTarget {
  stream: string;
  projection: AnyProjection;
  /** The projection table in the restored database, at its restored checkpoint. */
  restored: LiveProjectionSource;
  /** The live projection table (production), read with its checkpoint in one snapshot. */
  live: LiveProjectionSource;
}

export interface CatchUpDeps {
  system: string;
  environment: string;
  targets: CatchUpTarget[];
  /** A fresh stream reader (each replay closes its own). */
  reader: () => EventStreamReader;
  /** The restored outbox and the stream its rows are published to. */
  outbox?: {
    source: UnpublishedOutboxSource;
    stream: string;
    bound: number;
    /** The live outbox: tells a row published live (and dropped by retention) from one never published. */
    live?: UnpublishedOutboxSource | undefined;
  };
  runbook: RunbookStore;
  progress: Progress;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface CatchUpResult {
  /** The checks, named "catch-up <projection>: <check>" (plus the outbox re-publication check). */
  checks: Check[];
  /** Without serviceRtoSeconds (the drill adds it from its database RTO). */
  summary: Omit<CatchUpSummary, 'serviceRtoSeconds'>;
  /** Per projection: window, events, seconds, digests. */
  projections: Record<string, unknown>[];
  passed: boolean;
  /** The read models caught up: every check but the outbox re-publication one passed. */
  caughtUp: boolean;
}

/** The rehearsal checks that mean something for a catch-up (the golden digest and outbox ones do not). */
const kept = new Set<string>([
  checkNames.retention,
  checkNames.base,
  checkNames.gaps,
  checkNames.duplicates,
  checkNames.schemas,
  checkNames.applied,
  checkNames.determinism,
  checkNames.live,
]);

/**
 * Catch-up after a restore: for each projection, the rehearsal from a table checkpoint with the
 * restored table as its base and the live table as its end (window = restored checkpoint + 1 up
 * to the live checkpoint, read in one snapshot): the stream must still hold every event after the
 * restored checkpoint, and the replayed state must digest like the live one. Then the restored
 * outbox: rows not yet published at the restore point are republished on recovery; those already
 * in the stream are dropped by JetStream only inside its duplicate window.
 */
export async function runCatchUp(deps: CatchUpDeps): Promise<CatchUpResult> {
  const checks: Check[] = [];
  const projections: Record<string, unknown>[] = [];
  let first: Omit<CatchUpSummary, 'serviceRtoSeconds' | 'outboxToRepublish'> | null = null;
  let events = 0;
  let seconds = 0;
  const outbox = deps.outbox;
  let pending: { ids: string[]; count: number } | null = null;
  if (outbox) {
    try {
      pending = await outbox.source.unpublished(outbox.bound);
    } catch (error) {
      checks.push({
        name: republishCheckName,
        outcome: 'failed',
        detail: describeError(error),
      });
    } finally {
      await outbox.source.close().catch(() => {});
    }
  }
  const wanted = new Set(pending?.ids ?? []);
  const found = new Map<string, { seq: number; time?: number | undefined }>();
  let scannedTo = 0;
  let outboxScanned = false;
  for (const target of deps.targets) {
    const name = target.projection.name;
    const scanHere =
      outbox !== undefined && !outboxScanned && target.stream === outbox.stream && wanted.size > 0;
    if (scanHere) outboxScanned = true;
    const observe = scanHere
      ? (e: StreamEvent) => {
          if (e.msgId !== undefined && wanted.has(e.msgId)) found.set(e.msgId, { seq: e.seq, time: e.time });
        }
      : undefined;
    deps.progress.step(`catching up ${name} from the restored checkpoint on ${target.stream}`);
    const outcome = await rehearse(
      {
        system: deps.system,
        environment: deps.environment,
        stream: target.stream,
        projection: target.projection,
        base: 'table',
        storeSnapshot: false,
      },
      {
        reader: deps.reader(),
        base: target.restored,
        live: target.live,
        publish: { runbook: deps.runbook },
        progress: deps.progress,
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.now ? { now: deps.now } : {}),
        ...(observe ? { observe } : {}),
      },
    );
    const r = outcome.report;
    for (const c of r.checks)
      if (kept.has(c.name)) checks.push({ ...c, name: `catch-up ${name}: ${c.name}` });
    if (r.reason) checks.push({ name: `catch-up ${name}: replay`, outcome: 'failed', detail: r.reason });
    const replay = r.replay;
    if (scanHere && replay) scannedTo = replay.toSeq;
    const entry = {
      stream: target.stream,
      fromSeq: replay?.fromSeq ?? 0,
      toSeq: replay?.toSeq ?? 0,
      events: replay?.events ?? 0,
      seconds: round(outcome.seconds),
      digest: replay?.digest ?? '',
      liveDigest: outcome.live?.digest ?? '',
    };
    projections.push({ projection: name, outcome: r.outcome, ...entry });
    first ??= entry;
    events += entry.events;
    seconds += outcome.seconds;
  }
  let republish: RepublishResult | null = null;
  if (outbox && pending) {
    const duplicateWindowSeconds = await duplicateWindowOf(deps, outbox.stream, checks);
    const publishedLive = await publishedLiveOf(
      outbox.live,
      pending.ids.filter((id) => !found.has(id)),
    );
    republish = reconcileRepublication({
      publishedLive,
      table: outbox.source.table,
      stream: outbox.stream,
      count: pending.count,
      ids: pending.ids,
      found,
      duplicateWindowSeconds,
      scannedTo,
      now: (deps.now ?? (() => new Date()))().getTime(),
    });
    checks.push(republish.check);
  }
  const summary = {
    ...(first ?? { stream: '', fromSeq: 0, toSeq: 0, events: 0, seconds: 0, digest: '', liveDigest: '' }),
    events,
    seconds: round(seconds),
    outboxToRepublish: republish?.toRepublish ?? 0,
  };
  return {
    checks,
    summary,
    projections,
    passed: !checks.some((c) => c.outcome === 'failed'),
    caughtUp: !checks.some((c) => c.name !== republishCheckName && c.outcome === 'failed'),
  };
}

async function duplicateWindowOf(
  deps: CatchUpDeps,
  stream: string,
  checks: Check[],
): Promise<number | undefined> {
  const reader = deps.reader();
  try {
    return (await reader.state(stream)).duplicateWindowSeconds;
  } catch (error) {
    checks.push({
      name: republishCheckName,
      outcome: 'failed',
      detail: `could not read the duplicate window of ${stream}: ${describeError(error)}`,
    });
    return undefined;
  } finally {
    await reader.close().catch(() => {});
  }
}

/** Of the ids not in the stream, those the live outbox marks published; undefined when it cannot be read. */
async function publishedLiveOf(
  live: UnpublishedOutboxSource | undefined,
  ids: string[],
): Promise<Set<string> | undefined> {
  if (!live) return undefined;
  try {
    return new Set(await live.publishedAmong(ids));
  } catch {
    return undefined;
  } finally {
    await live.close().catch(() => {});
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
