import { InputError } from '../errors.js';
import type { Check } from '../report.js';
import { checkNames } from './checks.js';
import type { ReplayWindow } from './window.js';

/**
 * Where a rehearsal's state starts:
 * - "auto" (default): a window starting at 1 starts empty; a window starting at F > 1 starts from
 *   the stored snapshot or the base table at F-1; without --from-seq the window follows the stream
 *   from the newest stored snapshot before its end (else from 1).
 * - "snapshot": a snapshot stored in the runbook by an earlier passing rehearsal.
 * - "table": a projection table in Postgres at its checkpoint (the live one, or a restored copy).
 * - "empty": the projection's initial state, whatever the window (events about entities created
 *   before the window are then rejected by the projection: only the log checks mean much).
 */
export const baseChoices = ['auto', 'snapshot', 'table', 'empty'] as const;
export type BaseChoice = (typeof baseChoices)[number];

/** A snapshot stored by a passing rehearsal: the state at `seq`, its digest and where it lies. */
export interface SnapshotRef {
  key: string;
  seq: number;
  digest: string;
  entries: number;
  /** The report of the rehearsal that stored it. */
  reportId: string;
}

export type PlannedBase =
  | { source: 'empty'; seq: 0 }
  | { source: 'snapshot'; seq: number; snapshot: SnapshotRef }
  | { source: 'table'; seq: number };

export interface WindowPlan {
  window: ReplayWindow;
  base: PlannedBase;
  /** The window starts after the stream's first event but starts from an empty state. */
  partial: boolean;
  /** A check that failed before anything was read (retention gap, no base state): nothing is replayed. */
  blocked: Check | null;
  /** Whether the stream still holds every event after the base state. */
  retention: Check;
}

export interface PlanInputs {
  requested: { fromSeq?: number | undefined; toSeq?: number | undefined; base?: BaseChoice | undefined };
  stream: { firstSeq: number; lastSeq: number };
  /** The live projection's checkpoint (the default end of the window). */
  liveCheckpoint: number | null;
  /** The base table's checkpoint, when a base table was given. */
  tableCheckpoint: number | null;
  /** Snapshots stored for this system, stream and projection (any order). */
  snapshots: readonly SnapshotRef[];
}

/**
 * Checks that need no server: a negative start, or a start after the end. Bad input (exit 2),
 * answered before connecting to anything.
 */
export function checkRequestedWindow(requested: {
  fromSeq?: number | undefined;
  toSeq?: number | undefined;
}): void {
  const { fromSeq, toSeq } = requested;
  if (fromSeq !== undefined && fromSeq < 1) throw new InputError('--from-seq', 'must be 1 or more');
  if (toSeq !== undefined && toSeq < 1) throw new InputError('--to-seq', 'must be 1 or more');
  if (fromSeq !== undefined && toSeq !== undefined && fromSeq > toSeq) {
    throw new InputError('--from-seq', `the start ${fromSeq} is after the end ${toSeq} (--to-seq)`);
  }
}

/**
 * Pins the window and its base state. The end defaults to the live projection's checkpoint, else
 * the stream's last sequence. A window past the stream's end is bad input; a base state that is not
 * there, or a stream that no longer holds the events after it (retention), is a failed check.
 */
export function planWindow(inputs: PlanInputs): WindowPlan {
  const { requested, stream } = inputs;
  checkRequestedWindow(requested);
  const choice = requested.base ?? 'auto';
  const toSeq = requested.toSeq ?? inputs.liveCheckpoint ?? stream.lastSeq;
  if (toSeq > stream.lastSeq) {
    throw new InputError('--to-seq', `${toSeq} is past the stream's last sequence ${stream.lastSeq}`);
  }
  if (choice === 'table' && inputs.tableCheckpoint === null) {
    return blocked(requested.fromSeq ?? 1, toSeq, choice, 'the base table has no checkpoint row');
  }
  const snapshots = [...inputs.snapshots].filter((s) => s.seq <= toSeq).sort((a, b) => b.seq - a.seq);
  let base: PlannedBase;
  let fromSeq: number;
  if (requested.fromSeq !== undefined) {
    fromSeq = requested.fromSeq;
    const at = fromSeq - 1;
    const table = choice !== 'snapshot' && choice !== 'empty' && inputs.tableCheckpoint === at;
    const snapshot =
      choice === 'snapshot' || choice === 'auto' ? snapshots.find((s) => s.seq === at) : undefined;
    if (choice === 'empty' || at === 0) base = { source: 'empty', seq: 0 };
    else if (table) base = { source: 'table', seq: at };
    else if (snapshot) base = { source: 'snapshot', seq: at, snapshot };
    else {
      return blocked(
        fromSeq,
        toSeq,
        choice,
        `no base state at sequence ${at} for a window starting at ${fromSeq}: ${available(inputs, snapshots)}`,
      );
    }
  } else if (choice === 'table') {
    fromSeq = inputs.tableCheckpoint! + 1;
    base = { source: 'table', seq: inputs.tableCheckpoint! };
  } else if (choice === 'empty') {
    fromSeq = 1;
    base = { source: 'empty', seq: 0 };
  } else {
    // Follow the stream: the newest snapshot before the end (a snapshot at the end itself would
    // leave nothing to replay, so the one before it is re-verified instead).
    const snapshot = snapshots.find((s) => s.seq < toSeq);
    if (snapshot) {
      fromSeq = snapshot.seq + 1;
      base = { source: 'snapshot', seq: snapshot.seq, snapshot };
    } else if (choice === 'snapshot') {
      return blocked(1, toSeq, choice, `no stored snapshot before sequence ${toSeq}`);
    } else {
      fromSeq = 1;
      base = { source: 'empty', seq: 0 };
    }
  }
  const window = { fromSeq, toSeq };
  if (base.seq > toSeq) {
    const past: Check = {
      name: checkNames.base,
      outcome: 'failed',
      detail: `the base state at sequence ${base.seq} is past the window's end ${toSeq}`,
    };
    return {
      window,
      base,
      partial: false,
      blocked: past,
      retention: { ...past, name: checkNames.retention, outcome: 'skipped' },
    };
  }
  const partial = base.source === 'empty' && fromSeq > 1;
  // Every event after the base state must still be in the stream.
  if (fromSeq >= stream.firstSeq || fromSeq > toSeq) {
    const retention: Check = {
      name: checkNames.retention,
      outcome: 'passed',
      detail: `the stream starts at ${stream.firstSeq}; it holds every event after the base state at ${base.seq}`,
    };
    return { window, base, partial, blocked: null, retention };
  }
  const gap = retentionGap(stream.firstSeq, base, partial, fromSeq);
  if (choice === 'empty') {
    // Asked for explicitly: the log checks still run, the missing head shows as a purged gap.
    return { window, base, partial, blocked: null, retention: { ...gap, outcome: 'skipped' } };
  }
  return { window, base, partial, blocked: gap, retention: gap };
}

function blocked(fromSeq: number, toSeq: number, choice: BaseChoice, why: string): WindowPlan {
  return {
    window: { fromSeq, toSeq },
    base: { source: 'empty', seq: 0 },
    partial: false,
    blocked: { name: checkNames.base, outcome: 'failed', detail: `${why} (--base ${choice})` },
    retention: { name: checkNames.retention, outcome: 'skipped', detail: 'no base state' },
  };
}

function available(inputs: PlanInputs, snapshots: readonly SnapshotRef[]): string {
  const parts = [
    snapshots.length > 0
      ? `stored snapshots at ${snapshots
          .slice(0, 5)
          .map((s) => s.seq)
          .join(', ')}`
      : 'no stored snapshot',
    inputs.tableCheckpoint !== null ? `the base table is at ${inputs.tableCheckpoint}` : 'no base table',
  ];
  return `${parts.join('; ')}; start the window after one of them, or use --base empty`;
}

function retentionGap(firstSeq: number, base: PlannedBase, partial: boolean, fromSeq: number): Check {
  const newest = partial
    ? `the window starts at ${fromSeq} from an empty state`
    : base.source === 'empty'
      ? 'the newest state is at 0 (no stored snapshot or base table covers it)'
      : `the newest state is at ${base.seq} (${base.source === 'snapshot' ? `snapshot of report ${base.snapshot.reportId}` : 'base table checkpoint'})`;
  return {
    name: checkNames.retention,
    outcome: 'failed',
    detail: `retention gap: the stream starts at ${firstSeq}, ${newest}; sequences ${fromSeq}..${firstSeq - 1} are gone, so the projection cannot be rebuilt: keep snapshots more often than the stream's retention`,
  };
}
