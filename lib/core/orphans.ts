import type { Check } from './report.js';

/**
 * Staging left behind by a drill that never reached its teardown (kill -9, a forced exit, a
 * reboot, a Lambda that died): which leftovers are orphans, and how a sweep is reported. Pure:
 * the adapters (lib/local/orphanSweep.ts, lib/aws/rdsOrphanSweep.ts) gather the facts and act.
 *
 * The rule on both targets: only what carries drillbook's staging marker (a marker file locally,
 * the drill tags on RDS) is ever a candidate. A candidate whose owning drill is known to be gone
 * is an orphan; one whose owner cannot be asked (a marker from an older drillbook or another
 * host, any RDS resource) is an orphan only once it is older than the longest a drill may run.
 */

/** Beyond the recovery waits: provisioning checks, verification, masking, teardown and retries. */
export const DRILL_ALLOWANCE_MS = 2 * 3600_000;

/**
 * How long a drill may hold its staging at most: the longest provisioning step (local: the
 * base-backup copy's limit; RDS: none, the restore wait covers it), every recovery wait, and the
 * allowance for the rest.
 */
export function longestDrillMs(bounds: { provisionMs: number; recoveryWaitsMs: number }): number {
  return bounds.provisionMs + bounds.recoveryWaitsMs + DRILL_ALLOWANCE_MS;
}

/** Who created a local staging folder: enough to tell, later, whether that process still runs. */
export interface StagingOwner {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22); survives pid reuse. */
  startTicks: string | null;
  /** /proc/sys/kernel/random/boot_id when it was written: a different boot means the owner is gone. */
  bootId: string | null;
  host: string;
}

/** The content of drillbook-staging.json. `owner` is absent in markers of drillbook before issue 10. */
export interface StagingMarker {
  createdBy: 'drillbook';
  stagingId?: string;
  backupId?: string;
  createdAt?: string;
  owner?: StagingOwner;
}

/** The marker's text as drillbook wrote it, or null when it is not one (foreign or damaged). */
export function parseStagingMarker(text: string): StagingMarker | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const value = raw as Record<string, unknown>;
  if (value['createdBy'] !== 'drillbook') return null;
  const marker: StagingMarker = { createdBy: 'drillbook' };
  for (const key of ['stagingId', 'backupId', 'createdAt'] as const) {
    if (typeof value[key] === 'string') marker[key] = value[key] as string;
  }
  const owner = value['owner'] as Record<string, unknown> | undefined;
  if (owner && Number.isInteger(owner['pid']) && typeof owner['host'] === 'string') {
    marker.owner = {
      pid: owner['pid'] as number,
      startTicks: typeof owner['startTicks'] === 'string' ? owner['startTicks'] : null,
      bootId: typeof owner['bootId'] === 'string' ? owner['bootId'] : null,
      host: owner['host'],
    };
  }
  return marker;
}

/** What this machine says about the processes the markers name. */
export interface HostFacts {
  host: string;
  bootId: string | null;
  /** Running processes among the owners' pids, with their start ticks (null where unknown). */
  processes: ReadonlyMap<number, string | null>;
  now: Date;
}

export type Verdict = { orphan: true; why: string } | { orphan: false; why: string };

const orphan = (why: string): Verdict => ({ orphan: true, why });
const keep = (why: string): Verdict => ({ orphan: false, why });

function hours(ms: number): string {
  return `${Math.round((ms / 3600_000) * 10) / 10} h`;
}

/** Judged by age alone: for owners nobody can ask. */
function byAge(createdAt: string | undefined, now: Date, limitMs: number, whose: string): Verdict {
  const created = createdAt ? new Date(createdAt) : null;
  if (!created || Number.isNaN(created.getTime())) return keep(`${whose}, with no creation time: left alone`);
  const age = now.getTime() - created.getTime();
  if (age > limitMs) {
    return orphan(
      `${whose}, created ${created.toISOString()}: older than the longest drill (${hours(limitMs)})`,
    );
  }
  return keep(
    `${whose}, created ${created.toISOString()}: may still be running (younger than ${hours(limitMs)})`,
  );
}

/** Is a marked local staging folder an orphan? `limitMs`: longestDrillMs() of this target. */
export function judgeLocalStaging(marker: StagingMarker, facts: HostFacts, limitMs: number): Verdict {
  const { owner } = marker;
  if (!owner) return byAge(marker.createdAt, facts.now, limitMs, 'marker without an owner (older drillbook)');
  if (owner.host !== facts.host) {
    return byAge(marker.createdAt, facts.now, limitMs, `owned by a drill on host ${owner.host}`);
  }
  if (owner.bootId && facts.bootId && owner.bootId !== facts.bootId) {
    return orphan(`its drill (pid ${owner.pid}) ran before this machine last booted`);
  }
  if (!facts.processes.has(owner.pid)) return orphan(`its drill (pid ${owner.pid}) is gone`);
  const ticks = facts.processes.get(owner.pid) ?? null;
  if (owner.startTicks && ticks && owner.startTicks !== ticks) {
    return orphan(`its drill (pid ${owner.pid}) is gone; the pid now belongs to another process`);
  }
  return keep(`its drill (pid ${owner.pid}) is still running`);
}

/** An RDS instance or Aurora cluster as the sweep sees it (DescribeDBInstances / DescribeDBClusters). */
export interface RdsStagingResource {
  id: string;
  kind: 'instance' | 'cluster';
  tags: Record<string, string>;
  status: string;
  /** InstanceCreateTime / ClusterCreateTime; absent while RDS is still creating it. */
  createdAt: Date | null;
}

export interface RdsSweepContext {
  system: string;
  /** Tag keys of lib/aws/tags.ts (passed in so core does not import the adapter). */
  tagKeys: { drill: string; environment: string; system: string; stage: string };
  /** The deployment stage the sweep belongs to: only its drills' staging is its to remove. */
  stage?: string | undefined;
  /** Only identifiers with this prefix are drill staging (the IAM delete statements are scoped to it). */
  idPrefix: string;
  /** The source and the drill's own staging are never swept. */
  protectedIds: readonly string[];
  now: Date;
  limitMs: number;
}

/**
 * Is an RDS resource a drill's orphan? null: not a drill staging resource of this system at all
 * (production, another system): the sweep does not mention it.
 */
export function judgeRdsStaging(resource: RdsStagingResource, ctx: RdsSweepContext): Verdict | null {
  const { tags, id } = resource;
  if (tags[ctx.tagKeys.drill] !== 'true' || tags[ctx.tagKeys.system] !== ctx.system) return null;
  // Another stage's drill (a staging stack in production's account, or the reverse) is not ours.
  if ((tags[ctx.tagKeys.stage] ?? undefined) !== ctx.stage) return null;
  if (ctx.protectedIds.includes(id)) return keep("this drill's own staging (or the source): never swept");
  if (tags[ctx.tagKeys.environment] !== 'staging') {
    return keep(`not tagged ${ctx.tagKeys.environment}=staging: teardown's guard refuses it`);
  }
  if (!id.startsWith(ctx.idPrefix)) return keep(`identifier outside ${ctx.idPrefix}*: not drill staging`);
  if (resource.status === 'deleting') return keep('already being deleted');
  if (!resource.createdAt) return keep(`still being created (${resource.status})`);
  const age = ctx.now.getTime() - resource.createdAt.getTime();
  const created = resource.createdAt.toISOString();
  if (age > ctx.limitMs) {
    return orphan(`created ${created}: older than the longest drill (${hours(ctx.limitMs)})`);
  }
  return keep(`created ${created}: may belong to a running drill (younger than ${hours(ctx.limitMs)})`);
}

/** One staging leftover and what the sweep did with it. */
export interface OrphanEntry {
  /** Folder name or RDS identifier. */
  id: string;
  /** Why it is (or is not) an orphan. */
  why: string;
  /** What was done, or the error that stopped it. */
  detail?: string;
}

/** What a sweep found and did. */
export interface OrphanSweep {
  /** What was scanned: the work folder, or "rds <region> system <name>". */
  where: string;
  dryRun: boolean;
  /** Orphans removed (dry run: that would be removed). */
  removed: OrphanEntry[];
  /** Marked staging left alone on purpose, with the reason. */
  left: OrphanEntry[];
  /** Orphans that could not be removed. */
  failed: OrphanEntry[];
}

export function emptySweep(where: string, dryRun: boolean): OrphanSweep {
  return { where, dryRun, removed: [], left: [], failed: [] };
}

const listed = (entries: readonly OrphanEntry[]) =>
  entries.map((e) => `${e.id} (${e.detail ? `${e.why}; ${e.detail}` : e.why})`).join('; ');

/**
 * The drill's `orphaned-staging` check: failed only when an orphan could not be removed; what was
 * left alone on purpose is mentioned, never a failure.
 */
export function orphanCheck(sweep: OrphanSweep): Check {
  const parts: string[] = [];
  if (sweep.failed.length > 0) parts.push(`could not remove ${sweep.failed.length}: ${listed(sweep.failed)}`);
  if (sweep.removed.length > 0) parts.push(`removed ${sweep.removed.length}: ${listed(sweep.removed)}`);
  if (sweep.left.length > 0) parts.push(`left ${sweep.left.length}: ${listed(sweep.left)}`);
  return {
    name: 'orphaned-staging',
    outcome: sweep.failed.length > 0 ? 'failed' : 'passed',
    detail: parts.length > 0 ? parts.join('. ') : `none found in ${sweep.where}`,
  };
}

/** Readable lines for `drillbook cleanup`. */
export function sweepLines(sweep: OrphanSweep): string[] {
  // One column of verbs, padded to the widest, so the ids line up.
  const verbs = { removed: sweep.dryRun ? 'would remove' : 'removed', failed: 'FAILED', left: 'left' };
  const width = Math.max(...Object.values(verbs).map((v) => v.length));
  const verb = (v: string) => v.padEnd(width);
  const lines = [
    ...sweep.removed.map(
      (e) => `${verb(verbs.removed)} ${e.id}: ${e.why}${e.detail ? ` (${e.detail})` : ''}`,
    ),
    ...sweep.failed.map((e) => `${verb(verbs.failed)} ${e.id}: ${e.why}: ${e.detail ?? 'unknown error'}`),
    ...sweep.left.map((e) => `${verb(verbs.left)} ${e.id}: ${e.why}`),
  ];
  const total = sweep.removed.length + sweep.failed.length + sweep.left.length;
  lines.push(
    total === 0
      ? `no drill staging found in ${sweep.where}`
      : `${sweep.where}: ${sweep.removed.length} ${sweep.dryRun ? 'to remove (dry run)' : 'removed'}, ${sweep.failed.length} failed, ${sweep.left.length} left alone`,
  );
  return lines;
}
