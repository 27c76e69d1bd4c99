import { z } from 'zod';
import { DrillbookError } from '../../core/errors.js';
import type { SnapshotRef } from '../../core/replay/base.js';
import { type CanonicalEntry, digestEntries } from '../../core/replay/digest.js';
import { slug } from '../../core/report.js';
import { fieldProblem } from '../../core/zodFieldError.js';
import type { RunbookStore } from '../../ports.js';

/** A stored snapshot cannot be read or does not match what its report says. */
export class SnapshotError extends DrillbookError {}

/**
 * Snapshots of a projection's state that passing rehearsals leave in the runbook store, so the
 * next rehearsal can start from a verified state instead of from sequence 1 (streams with
 * retention no longer hold sequence 1). One JSON file per snapshot:
 *   snapshots/<system>/<stream>/<projection>/<seq>.json
 *   { projection, stream, system, lastSeq, digest, entries: [[key, value], ...], reportId }
 * The report that stored it names it in details.snapshot {key, seq, digest, entries}; that is
 * how snapshots are found (the runbook store lists reports, not files).
 */
export function snapshotKey(system: string, stream: string, projection: string, seq: number): string {
  return `snapshots/${slug(system)}/${stream}/${slug(projection)}/${String(seq).padStart(12, '0')}.json`;
}

const snapshotFile = z.object({
  projection: z.string(),
  stream: z.string(),
  system: z.string(),
  lastSeq: z.number().int().min(0),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  reportId: z.string(),
  entries: z.array(z.tuple([z.string(), z.unknown()])),
});

const snapshotDetail = z.object({
  key: z.string().min(1),
  seq: z.number().int().min(0),
  digest: z.string(),
  entries: z.number().int().min(0),
});

/** The snapshots stored for a system, stream and projection, newest sequence first. */
export async function storedSnapshots(
  runbook: RunbookStore,
  system: string,
  stream: string,
  projection: string,
): Promise<SnapshotRef[]> {
  if (!runbook.getFile) return [];
  const reports = await runbook.listReports({ kind: 'replay-rehearsal', system, limit: 500 });
  const bySeq = new Map<number, SnapshotRef>();
  for (const r of reports) {
    if (r.outcome !== 'passed' || r.replay?.stream !== stream || r.details?.['projection'] !== projection)
      continue;
    const parsed = snapshotDetail.safeParse(r.details?.['snapshot']);
    if (!parsed.success || bySeq.has(parsed.data.seq)) continue;
    bySeq.set(parsed.data.seq, { ...parsed.data, reportId: r.id });
  }
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq);
}

/**
 * Reads a snapshot and checks it is the one its report names: same projection, stream and
 * sequence, and its entries digest to the digest the passing rehearsal found.
 */
export async function loadSnapshot(
  runbook: RunbookStore,
  ref: SnapshotRef,
  expected: { stream: string; projection: string },
): Promise<CanonicalEntry[]> {
  const text = await runbook.getFile?.(ref.key);
  if (text == null) throw new SnapshotError(`snapshot ${ref.key} (report ${ref.reportId}) is missing`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SnapshotError(`snapshot ${ref.key} is not JSON`, { cause: error });
  }
  const parsed = snapshotFile.safeParse(raw);
  if (!parsed.success) {
    const { field, reason } = fieldProblem(parsed.error, { root: '(file)', input: raw });
    throw new SnapshotError(`snapshot ${ref.key} is malformed: ${field}: ${reason}`);
  }
  const s = parsed.data;
  if (s.projection !== expected.projection || s.stream !== expected.stream || s.lastSeq !== ref.seq) {
    throw new SnapshotError(
      `snapshot ${ref.key} holds ${s.projection} of ${s.stream} at ${s.lastSeq}, not ${expected.projection} of ${expected.stream} at ${ref.seq}`,
    );
  }
  const { digest } = digestEntries(s.entries);
  if (digest !== s.digest || digest !== ref.digest) {
    throw new SnapshotError(
      `snapshot ${ref.key} digests to ${digest}, report ${ref.reportId} says ${ref.digest}: it was changed after it was stored`,
    );
  }
  return s.entries;
}

/** Stores the state a passing rehearsal reached; returns what the report records in details.snapshot. */
export async function storeSnapshot(
  runbook: RunbookStore,
  snapshot: {
    system: string;
    stream: string;
    projection: string;
    lastSeq: number;
    digest: string;
    reportId: string;
    entries: readonly CanonicalEntry[];
  },
): Promise<{ key: string; seq: number; digest: string; entries: number } | null> {
  if (!runbook.putFile) return null;
  const key = snapshotKey(snapshot.system, snapshot.stream, snapshot.projection, snapshot.lastSeq);
  const body = JSON.stringify({
    projection: snapshot.projection,
    stream: snapshot.stream,
    system: snapshot.system,
    lastSeq: snapshot.lastSeq,
    digest: snapshot.digest,
    reportId: snapshot.reportId,
    entries: snapshot.entries,
  });
  await runbook.putFile(key, body, 'application/json');
  return { key, seq: snapshot.lastSeq, digest: snapshot.digest, entries: snapshot.entries.length };
}
