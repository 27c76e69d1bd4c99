import type { Check } from '../report.js';
import { stuckPendingVersion, stuckRotation, type VersionStages } from './stages.js';

/** What the audit needs to know about one secret (DescribeSecret / the local store). */
export interface SecretAuditFacts {
  id: string;
  name: string;
  rotationEnabled: boolean;
  /** RotationRules.AutomaticallyAfterDays (or derived from the schedule); null when unknown. */
  rotationIntervalDays: number | null;
  lastRotatedDate: Date | null;
  nextRotationDate: Date | null;
  /** When the secret was created, for secrets that never rotated. */
  createdDate: Date | null;
  versions: VersionStages;
  /** When the unfinished AWSPENDING version was created (null: unknown). */
  pendingSince?: Date | null;
}

export type AuditFlag = 'rotation-disabled' | 'overdue' | 'due-soon' | 'stuck';

export interface SecretAuditResult {
  id: string;
  name: string;
  flags: AuditFlag[];
  /** Days until NextRotationDate (negative when past), null when unknown. */
  daysUntilRotation: number | null;
  detail: string;
}

export interface AuditPolicy {
  /** Flag "due soon" when the next rotation is within this many days. */
  warningDays: number;
  /** Grace period before a late rotation counts as overdue. */
  graceHours: number;
  /** An AWSPENDING this old (hours) is stuck; a younger one is a rotation running now. Default 24. */
  stuckAfterHours?: number;
}

const DAY_MS = 86_400_000;

/**
 * Classifies one secret. Overdue: the last rotation (or creation, if it never rotated) is older
 * than the schedule plus grace. Due soon: NextRotationDate (or last rotation + interval) within
 * the warning window. Stuck: AWSPENDING on a version other than AWSCURRENT for `stuckAfterHours`
 * (default 24) or longer; a younger one is a rotation running now, noted but not flagged.
 */
export function classifySecret(facts: SecretAuditFacts, now: Date, policy: AuditPolicy): SecretAuditResult {
  const flags: AuditFlag[] = [];
  const notes: string[] = [];
  if (!facts.rotationEnabled) {
    flags.push('rotation-disabled');
    notes.push('rotation is disabled');
  }
  const since = facts.lastRotatedDate ?? facts.createdDate;
  const next =
    facts.nextRotationDate ??
    (since && facts.rotationIntervalDays !== null
      ? new Date(since.getTime() + facts.rotationIntervalDays * DAY_MS)
      : null);
  if (since && facts.rotationIntervalDays !== null) {
    const ageMs = now.getTime() - since.getTime();
    const ageDays = ageMs / DAY_MS;
    if (ageMs > facts.rotationIntervalDays * DAY_MS + policy.graceHours * 3_600_000) {
      flags.push('overdue');
      notes.push(
        `last ${facts.lastRotatedDate ? 'rotated' : 'created'} ${ageDays.toFixed(1)} days ago, schedule every ${facts.rotationIntervalDays} days`,
      );
    }
  } else if (facts.rotationEnabled && facts.rotationIntervalDays === null) {
    notes.push('no rotation schedule known');
  }
  const daysUntilRotation = next ? round1((next.getTime() - now.getTime()) / DAY_MS) : null;
  if (daysUntilRotation !== null && !flags.includes('overdue') && daysUntilRotation <= policy.warningDays) {
    flags.push('due-soon');
    notes.push(`next rotation in ${daysUntilRotation} days (${next!.toISOString()})`);
  }
  const pending = stuckPendingVersion(facts.versions);
  const stuck = stuckRotation(facts.versions, facts.pendingSince, now, policy.stuckAfterHours);
  const pendingNote = facts.pendingSince ? ` since ${facts.pendingSince.toISOString()}` : '';
  if (stuck !== undefined) {
    flags.push('stuck');
    notes.push(
      `AWSPENDING is on version ${stuck}${pendingNote}, not on AWSCURRENT: a rotation did not finish`,
    );
  } else if (pending !== undefined) {
    notes.push(`a rotation is running: AWSPENDING on version ${pending}${pendingNote}`);
  }
  return {
    id: facts.id,
    name: facts.name,
    flags,
    daysUntilRotation,
    detail: notes.length > 0 ? notes.join('; ') : 'rotation healthy',
  };
}

/** One report check per secret: failed when overdue, stuck or disabled; inconclusive when only due soon. */
export function auditCheck(result: SecretAuditResult): Check {
  const bad = result.flags.some((f) => f !== 'due-soon');
  const outcome = bad ? 'failed' : result.flags.length > 0 ? 'inconclusive' : 'passed';
  const flags = result.flags.length > 0 ? ` [${result.flags.join(', ')}]` : '';
  return { name: `secret ${result.name}`, outcome, detail: `${result.detail}${flags}` };
}

export interface AuditSummary {
  audited: number;
  flagged: number;
  rotationDisabled: number;
  overdue: number;
  dueSoon: number;
  stuck: number;
}

export function summarizeAudit(results: readonly SecretAuditResult[]): AuditSummary {
  const count = (flag: AuditFlag) => results.filter((r) => r.flags.includes(flag)).length;
  return {
    audited: results.length,
    flagged: results.filter((r) => r.flags.length > 0).length,
    rotationDisabled: count('rotation-disabled'),
    overdue: count('overdue'),
    dueSoon: count('due-soon'),
    stuck: count('stuck'),
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
