import type { Check } from '../report.js';

export const republishCheckName = 'catch-up: outbox re-publication';

/** What the restored outbox and the stream say about the rows unpublished at the restore point. */
export interface RepublishFacts {
  table: string;
  stream: string;
  /** How many rows the restored outbox holds unpublished, and the ids of the first of them. */
  count: number;
  ids: readonly string[];
  /** Of those ids, the ones a message in the stream already carries (published after the restore point). */
  found: ReadonlyMap<string, { seq: number; time?: number | undefined }>;
  /**
   * Of the ids not in the stream, those the live outbox marks published (the live relay published
   * them and the stream's retention dropped them); undefined when the live outbox could not be read.
   */
  publishedLive?: ReadonlySet<string> | undefined;
  /** The stream's duplicate window; undefined when the server did not say. */
  duplicateWindowSeconds: number | undefined;
  /** The last sequence searched. */
  scannedTo: number;
  now: number;
}

export interface RepublishResult {
  check: Check;
  /** Rows that recovery republishes (the restored relay sees them as unpublished). */
  toRepublish: number;
  /** Of those, already in the stream: JetStream drops their re-publication only inside its duplicate window. */
  alreadyPublished: number;
  /** Already published longer ago than the duplicate window: republished, they would reach consumers twice. */
  outsideWindow: string[];
  /** Not in the stream but published live (dropped by retention): republished, they would reach consumers twice. */
  dropped: string[];
}

const listed = 20;

/**
 * Rows committed but not yet published at the restore point are republished by the restored
 * relay. Those the live relay published after the restore point are already in the stream:
 * JetStream de-duplicates their re-publication (same Nats-Msg-Id) only while the original is
 * younger than the stream's duplicate window; older ones would be delivered twice.
 */
export function reconcileRepublication(f: RepublishFacts): RepublishResult {
  const windowSeconds = f.duplicateWindowSeconds;
  const outsideWindow: string[] = [];
  for (const id of f.ids) {
    const message = f.found.get(id);
    if (!message) continue;
    const ageSeconds = message.time === undefined ? Number.POSITIVE_INFINITY : (f.now - message.time) / 1000;
    if (windowSeconds === undefined || ageSeconds >= windowSeconds) outsideWindow.push(id);
  }
  const missing = f.ids.filter((id) => !f.found.has(id));
  const dropped = f.publishedLive ? missing.filter((id) => f.publishedLive?.has(id)) : [];
  const alreadyPublished = f.found.size;
  const notYet = missing.length - dropped.length;
  const window = windowSeconds === undefined ? 'unknown' : `${Math.round(windowSeconds)}s`;
  const base = `${f.count} row(s) of ${f.table} were committed but not yet published at the restore point and are republished on recovery: ${alreadyPublished} already in ${f.stream} (up to sequence ${f.scannedTo}), ${dropped.length} published live but no longer in the stream, ${notYet} not yet`;
  const truncated = f.count > f.ids.length ? ` (the first ${f.ids.length} looked up)` : '';
  if (f.count === 0) {
    return {
      check: {
        name: republishCheckName,
        outcome: 'passed',
        detail: `no unpublished row in the restored ${f.table}`,
      },
      toRepublish: 0,
      alreadyPublished: 0,
      outsideWindow,
      dropped,
    };
  }
  if (outsideWindow.length === 0 && dropped.length === 0 && missing.length > 0 && !f.publishedLive) {
    return {
      check: {
        name: republishCheckName,
        outcome: 'inconclusive',
        detail: `${base}${truncated}; the live outbox could not be read, so ${missing.length} row(s) not in the stream may have been published live and dropped by its retention`,
      },
      toRepublish: f.count,
      alreadyPublished,
      outsideWindow,
      dropped,
    };
  }
  if (outsideWindow.length === 0 && dropped.length === 0) {
    return {
      check: {
        name: republishCheckName,
        outcome: 'passed',
        detail: `${base}${truncated}; the duplicate window (${window}) drops the re-publication of those already in the stream`,
      },
      toRepublish: f.count,
      alreadyPublished,
      outsideWindow,
      dropped,
    };
  }
  const reasons: string[] = [];
  if (outsideWindow.length > 0)
    reasons.push(
      `${outsideWindow.length} were published longer ago than the duplicate window (${window}) and would reach consumers twice: ${list(outsideWindow)}`,
    );
  if (dropped.length > 0)
    reasons.push(
      `${dropped.length} were published live and dropped by the stream's retention, and would reach consumers twice: ${list(dropped)}`,
    );
  return {
    check: {
      name: republishCheckName,
      outcome: 'failed',
      detail: `${base}${truncated}; ${reasons.join('; ')}`,
    },
    toRepublish: f.count,
    alreadyPublished,
    outsideWindow,
    dropped,
  };
}

function list(ids: readonly string[]): string {
  return `${ids.slice(0, listed).join(', ')}${ids.length > listed ? `, ... (${ids.length - listed} more)` : ''}`;
}
