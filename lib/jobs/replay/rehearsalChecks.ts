import type { WindowPlan } from '../../core/replay/base.js';
import {
  appliedCheck,
  determinismCheck,
  duplicatesCheck,
  type ExpectedDigest,
  expectedDigestCheck,
  gapsCheck,
  liveDigestCheck,
  outboxChecks,
  schemasCheck,
} from '../../core/replay/checks.js';
import type { Check } from '../../core/report.js';
import type { FoldedPasses } from './foldPasses.js';
import type { RehearsalRun } from './rehearsalRun.js';

/**
 * The checks of a replayed window, in report order: retention, base, gaps, duplicates, schemas,
 * applied, determinism (pass 1 vs pass 2), expected digest, live digest, then the outbox.
 */
export function recordRehearsalChecks(
  run: RehearsalRun,
  plan: WindowPlan,
  baseCheck: Check,
  passes: FoldedPasses,
  expected: ExpectedDigest | null,
): void {
  const { rec } = run;
  const { pass1, pass2, tally } = passes;
  rec.addChecks([
    plan.retention,
    baseCheck,
    gapsCheck(passes.gaps),
    duplicatesCheck(passes.duplicates, passes.withoutId),
    schemasCheck(pass1.rejections, pass1.violations, pass1.events),
    appliedCheck(pass1.rejections, pass1.violations, pass1.applied, plan.partial),
    determinismCheck(pass1.digest, pass2.digest),
    expectedDigestCheck(pass1.digest, expected),
    liveDigestCheck(pass1.digest, plan.window.toSeq, run.live),
  ]);
  if (tally) rec.addChecks(outboxChecks(tally.result()));
  else rec.check('outbox reconciliation', 'skipped', 'no outbox table given');
}
