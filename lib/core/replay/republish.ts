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
  const alreadyPublished = f.found.size;
  const notYet = f.ids.length - alreadyPublished;
  const window = windowSeconds === undefined ? 'unknown' : `${Math.round(windowSeconds)}s`;
  const base = `${f.count} row(s) of ${f.table} were committed but not yet published at the restore point and are republished on recovery: ${alreadyPublished} already in ${f.stream} (up to sequence ${f.scannedTo}), ${notYet} not yet`;
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
    };
  }
  if (outsideWindow.length === 0) {
    return {
      check: {
        name: republishCheckName,
        outcome: 'passed',
        detail: `${base}${truncated}; the duplicate window (${window}) drops the re-publication of those already in the stream`,
      },
      toRepublish: f.count,
      alreadyPublished,
      outsideWindow,
    };
  }
  return {
    check: {
      name: republishCheckName,
      outcome: 'failed',
      detail: `${base}${truncated}; ${outsideWindow.length} were published longer ago than the duplicate window (${window}) and would reach consumers twice: ${outsideWindow.slice(0, listed).join(', ')}${outsideWindow.length > listed ? `, ... (${outsideWindow.length - listed} more)` : ''}`,
    },
    toRepublish: f.count,
    alreadyPublished,
    outsideWindow,
  };
}
