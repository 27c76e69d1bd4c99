import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** The report contract of docs/CONTRACTS.md. Other tools read these files: change additively only. */
export const reportKinds = [
  'backup',
  'restore-drill',
  'replay-rehearsal',
  'canary-halt',
  'secret-rotation',
  'rotation-audit',
  'canary-verdict',
] as const;
export type ReportKind = (typeof reportKinds)[number];

export type Outcome = 'passed' | 'failed' | 'inconclusive';
export type CheckOutcome = Outcome | 'skipped';

export interface Phase {
  name: string;
  startedAt: string;
  finishedAt: string;
  outcome: Outcome | 'skipped';
  detail?: string;
}

export interface Check {
  name: string;
  outcome: CheckOutcome;
  detail: string;
}

export interface Objectives {
  rpoSeconds: number | null;
  rtoSeconds: number | null;
  rpoTargetSeconds: number;
  rtoTargetSeconds: number;
  /** Age of the base backup / snapshot used, at the drill's start. */
  backupAgeSeconds?: number | null;
  /** How far the newest restorable point lagged behind the drill's start (WAL archive or LatestRestorableTime). */
  restorableLagSeconds?: number | null;
  /**
   * Database RTO plus the time the read models took to catch up from the stream (the drill's
   * optional catch-up phase); absent without it, null when the catch-up did not succeed.
   */
  serviceRtoSeconds?: number | null;
}

export interface ReplaySummary {
  stream: string;
  fromSeq: number;
  toSeq: number;
  events: number;
  gaps: [number, number][];
  duplicates: number;
  schemaViolations: number;
  digest: string;
  expectedDigest?: string;
  eventsPerSecond: number;
  /**
   * Where the state started (added with replay from a base state): "empty" at 0, a stored
   * "snapshot" or a projection "table" at its checkpoint, at sequence `seq` (= fromSeq - 1, except
   * for a partial window folded from an empty state).
   */
  base?: { source: 'empty' | 'snapshot' | 'table'; seq: number; digest?: string; from?: string };
  /**
   * Events left out of the fold, per kind: exact counts and the first sequences (at most 100 per
   * kind). schemaViolations = notJson + unknownType + schemaInvalid; rejected = valid events the
   * projection refused in its state.
   */
  rejections?: Record<
    'notJson' | 'unknownType' | 'schemaInvalid' | 'rejected',
    { count: number; seqs: number[] }
  >;
}

/** The restore drill's catch-up phase (see docs/CONTRACTS.md "Service RTO"). */
export interface CatchUpSummary {
  stream: string;
  /** First sequence replayed (the restored checkpoint + 1) and the live checkpoint it caught up to. */
  fromSeq: number;
  toSeq: number;
  events: number;
  /** The whole catch-up phase (connecting, both checkpoints, every replay, the outbox): what service RTO adds. */
  seconds: number;
  digest: string;
  liveDigest: string;
  /** Restored outbox rows not yet published at the restore point: republished on recovery. */
  outboxToRepublish: number;
  /** Database RTO plus the catch-up time; null when either is unknown. */
  serviceRtoSeconds: number | null;
}

/**
 * Whether the catch-up read its stream: a phase that was skipped (the database failed
 * verification) or failed before reading still has a block, with no stream and no figures.
 */
export function catchUpReadItsStream(c: CatchUpSummary): boolean {
  return c.stream !== '';
}

export interface Report {
  kind: ReportKind;
  id: string;
  system: string;
  environment: string;
  startedAt: string;
  finishedAt: string;
  outcome: Outcome;
  phases: Phase[];
  checks: Check[];
  objectives?: Objectives;
  replay?: ReplaySummary;
  catchUp?: CatchUpSummary;
  /** Why the run failed, when it did (first error). */
  reason?: string;
  /** Free-form, kind-specific facts (backup id, target time, ...). */
  details?: Record<string, unknown>;
}

const phaseSchema = z.object({
  name: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  outcome: z.enum(['passed', 'failed', 'inconclusive', 'skipped']),
  detail: z.string().optional(),
});
const checkSchema = z.object({
  name: z.string(),
  outcome: z.enum(['passed', 'failed', 'inconclusive', 'skipped']),
  detail: z.string(),
});

const rejectionTally = z.object({ count: z.number(), seqs: z.array(z.number()) });

/** The catch-up block of a restore-drill report. */
export const catchUpSummarySchema = z.object({
  stream: z.string(),
  fromSeq: z.number(),
  toSeq: z.number(),
  events: z.number(),
  seconds: z.number(),
  digest: z.string(),
  liveDigest: z.string(),
  outboxToRepublish: z.number(),
  serviceRtoSeconds: z.number().nullable(),
});

/** Validates a stored report (used when reading reports back). */
export const reportSchema = z.object({
  kind: z.enum(reportKinds),
  id: z.string().min(1),
  system: z.string(),
  environment: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  outcome: z.enum(['passed', 'failed', 'inconclusive']),
  phases: z.array(phaseSchema),
  checks: z.array(checkSchema),
  objectives: z
    .object({
      rpoSeconds: z.number().nullable(),
      rtoSeconds: z.number().nullable(),
      rpoTargetSeconds: z.number(),
      rtoTargetSeconds: z.number(),
      backupAgeSeconds: z.number().nullable().optional(),
      restorableLagSeconds: z.number().nullable().optional(),
      serviceRtoSeconds: z.number().nullable().optional(),
    })
    .optional(),
  replay: z
    .object({
      stream: z.string(),
      fromSeq: z.number(),
      toSeq: z.number(),
      events: z.number(),
      gaps: z.array(z.tuple([z.number(), z.number()])),
      duplicates: z.number(),
      schemaViolations: z.number(),
      digest: z.string(),
      expectedDigest: z.string().optional(),
      eventsPerSecond: z.number(),
      base: z
        .object({
          source: z.enum(['empty', 'snapshot', 'table']),
          seq: z.number(),
          digest: z.string().optional(),
          from: z.string().optional(),
        })
        .optional(),
      rejections: z
        .object({
          notJson: rejectionTally,
          unknownType: rejectionTally,
          schemaInvalid: rejectionTally,
          rejected: rejectionTally,
        })
        .optional(),
    })
    .optional(),
  catchUp: z.lazy(() => catchUpSummarySchema).optional(),

  reason: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The overall outcome from phases and checks: any failure fails the run; otherwise any
 * inconclusive check makes it inconclusive; a run with no passed check is inconclusive, never a
 * silent pass.
 */
export function overallOutcome(checks: readonly Check[], phases: readonly Phase[], error?: string): Outcome {
  if (error !== undefined) return 'failed';
  if (phases.some((p) => p.outcome === 'failed') || checks.some((c) => c.outcome === 'failed'))
    return 'failed';
  if (checks.some((c) => c.outcome === 'inconclusive') || phases.some((p) => p.outcome === 'inconclusive')) {
    return 'inconclusive';
  }
  if (!checks.some((c) => c.outcome === 'passed')) return 'inconclusive';
  return 'passed';
}

/**
 * A sortable, unique, file-name-safe report id: `<kind>-<system>-<UTC timestamp>-<suffix>`; the
 * suffix defaults to a short random one so two runs in the same second never collide.
 */
export function reportId(
  kind: ReportKind,
  system: string,
  at: Date,
  suffix = randomBytes(3).toString('hex'),
): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${kind}-${slug(system)}-${stamp}-${slug(suffix)}`;
}

export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

/** `reports/<kind>/<YYYY>/<MM>/<id>` (without extension), the layout shared by the folder and S3 stores. */
export function reportKey(report: Pick<Report, 'kind' | 'id' | 'startedAt'>): string {
  const started = new Date(report.startedAt);
  const yyyy = String(started.getUTCFullYear());
  const mm = String(started.getUTCMonth() + 1).padStart(2, '0');
  return `reports/${report.kind}/${yyyy}/${mm}/${report.id}`;
}
