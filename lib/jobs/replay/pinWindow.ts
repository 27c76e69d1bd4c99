import { ConfigError } from '../../core/errors.js';
import { planWindow, type WindowPlan } from '../../core/replay/base.js';
import type { LiveDigest } from '../../core/replay/checks.js';
import type { ProjectionTableState } from '../../ports.js';
import type { RehearsalRun } from './rehearsalRun.js';
import type { ReplayRehearsalDeps, ReplayRehearsalInput } from './replayRehearsal.js';
import { storedSnapshots } from './replaySnapshots.js';

/** The window as pinned: the plan, and what the stream and the base table held when it was made. */
export interface PinnedWindow {
  plan: WindowPlan;
  /** The stream's first sequence (earlier ones are purged). */
  firstSeq: number;
  /** The sequences of the window deleted from the stream. */
  deleted: Set<number>;
  /** The base projection table at its checkpoint, when one is given. */
  table: ProjectionTableState | null;
}

/**
 * Phase "pin window": the stream's state, the live projection's digest and the base table, read
 * once each, decide the window and the state it starts from (planWindow); the plan and the live
 * digest are kept on the run as soon as they are known.
 */
export async function pinWindow(
  run: RehearsalRun,
  input: ReplayRehearsalInput,
  deps: ReplayRehearsalDeps,
): Promise<PinnedWindow> {
  const { rec, progress } = run;
  const { projection, stream } = input;
  const pinned = await rec.phase('pin window', async () => {
    progress.step(`reading the state of stream ${stream}`);
    const streamState = await deps.reader.state(stream);
    let liveDigest: LiveDigest | null = null;
    if (deps.live) {
      progress.step('digesting the live projection (one snapshot)');
      liveDigest = await deps.live.digest();
      run.live = liveDigest ?? 'the live projection has no checkpoint row';
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
    const plan = planWindow({
      requested: { fromSeq: input.fromSeq, toSeq: input.toSeq, base: choice },
      stream: streamState,
      liveCheckpoint: liveDigest?.checkpoint ?? null,
      tableCheckpoint: table?.checkpoint ?? null,
      snapshots,
    });
    const window = plan.window;
    const deleted =
      plan.blocked || window.fromSeq > window.toSeq
        ? new Set<number>()
        : await deps.reader.deletedIn(stream, window.fromSeq, window.toSeq);
    return { plan, firstSeq: streamState.firstSeq, deleted, table };
  });
  run.plan = pinned.plan;
  const window = pinned.plan.window;
  rec.details['window'] = `${window.fromSeq}..${window.toSeq}`;
  progress.step(
    `window ${stream} ${window.fromSeq}..${window.toSeq} (${Math.max(0, window.toSeq - window.fromSeq + 1)} sequences) from ${describeBase(pinned.plan)}`,
  );
  return pinned;
}

function describeBase(plan: WindowPlan): string {
  const b = plan.base;
  if (b.source === 'snapshot') return `the snapshot at ${b.seq} (report ${b.snapshot.reportId})`;
  if (b.source === 'table') return `the base table at its checkpoint ${b.seq}`;
  return 'an empty state';
}
