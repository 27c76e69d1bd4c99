import type { WindowPlan } from '../../core/replay/base.js';
import type { ExpectedDigest } from '../../core/replay/checks.js';
import type { ReplayWindow } from '../../core/replay/window.js';
import type { RunbookStore } from '../../ports.js';
import type { ReplayRehearsalDeps, ReplayRehearsalInput } from './replayRehearsal.js';

/** The digest the run must reach: the one given (--expect-digest), else the golden one, if any. */
export async function expectedDigest(
  input: ReplayRehearsalInput,
  deps: ReplayRehearsalDeps,
  plan: WindowPlan,
): Promise<ExpectedDigest | null> {
  return input.expectDigest
    ? { digest: input.expectDigest, source: '--expect-digest' }
    : await goldenDigest(
        deps.publish.runbook,
        input.system,
        input.stream,
        input.projection.name,
        plan.window,
        plan.partial,
      );
}

/**
 * The digest of the newest passing rehearsal of the same system, stream and projection that
 * reached the same state: the same end from a complete state (from 1, a snapshot or a table; the
 * state at a sequence does not depend on where the replay started), or, for a partial window
 * folded from an empty state, the same window.
 */
async function goldenDigest(
  runbook: RunbookStore,
  system: string,
  stream: string,
  projection: string,
  w: ReplayWindow,
  partial: boolean,
): Promise<ExpectedDigest | null> {
  const reports = await runbook.listReports({ kind: 'replay-rehearsal', system, limit: 500 });
  const golden = reports.find((r) => {
    const replay = r.replay;
    if (r.outcome !== 'passed' || replay?.stream !== stream || r.details?.['projection'] !== projection)
      return false;
    if (replay.toSeq !== w.toSeq) return false;
    const theirsPartial = replay.base
      ? replay.base.source === 'empty' && replay.fromSeq > 1
      : replay.fromSeq > 1;
    return partial ? theirsPartial && replay.fromSeq === w.fromSeq : !theirsPartial;
  });
  return golden?.replay
    ? { digest: golden.replay.digest, source: `golden digest of report ${golden.id}` }
    : null;
}
