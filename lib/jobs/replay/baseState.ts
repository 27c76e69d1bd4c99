import { checkNames } from '../../core/replay/checks.js';
import type { CanonicalEntry } from '../../core/replay/digest.js';
import type { Check } from '../../core/report.js';
import type { PinnedWindow } from './pinWindow.js';
import type { RehearsalRun } from './rehearsalRun.js';
import type { ReplayRehearsalDeps, ReplayRehearsalInput } from './replayRehearsal.js';
import { loadSnapshot } from './replaySnapshots.js';

/** The state a rehearsal folds from, and the check that says where it came from. */
export interface BaseState {
  /** The base's canonical entries, or null for the projection's initial state. */
  entries: CanonicalEntry[] | null;
  check: Check;
  /** The base's digest and where it was read from, for the report's replay.base. */
  digest?: string;
  from?: string;
}

/**
 * Phase "load base state": the entries the plan's base holds: a stored snapshot (checked against
 * its digest), the base table's rows as pinned, or none (empty state, from 1 or a partial window).
 */
export async function loadBaseState(
  run: RehearsalRun,
  input: ReplayRehearsalInput,
  deps: ReplayRehearsalDeps,
  pinned: PinnedWindow,
): Promise<BaseState> {
  const { plan } = pinned;
  const b = plan.base;
  if (b.source === 'snapshot') {
    const entries = await run.rec.phase('load base state', () =>
      loadSnapshot(deps.publish.runbook, b.snapshot, {
        stream: input.stream,
        projection: input.projection.name,
      }),
    );
    return {
      entries,
      digest: b.snapshot.digest,
      from: `report ${b.snapshot.reportId}`,
      check: {
        name: checkNames.base,
        outcome: 'passed',
        detail: `snapshot at ${b.seq} stored by passing report ${b.snapshot.reportId} (${entries.length} entries, digest ${b.snapshot.digest.slice(0, 12)}... verified)`,
      },
    };
  }
  if (b.source === 'table') {
    const t = pinned.table!;
    return {
      entries: t.entries,
      digest: t.digest,
      from: t.table,
      check: {
        name: checkNames.base,
        outcome: 'passed',
        detail: `${t.table} at checkpoint ${t.checkpoint} (${t.rows} row(s), digest ${t.digest.slice(0, 12)}..., read in one snapshot)`,
      },
    };
  }
  if (plan.partial) {
    return {
      entries: null,
      check: {
        name: checkNames.base,
        outcome: 'skipped',
        detail: `empty state for a window starting at ${plan.window.fromSeq} (--base empty): the digest covers only the window's events`,
      },
    };
  }
  return {
    entries: null,
    check: { name: checkNames.base, outcome: 'passed', detail: 'empty state: the window starts at 1' },
  };
}
