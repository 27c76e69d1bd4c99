import { z } from 'zod';
import { catchUpSummarySchema, reportKinds, reportSchema } from '../../core/report.js';
import { parseZonedTime } from '../../core/zonedTime.js';
import { parseWith } from '../../drillbookConfig.js';
import { type ReplayRequest, replayRequestSchema } from '../../jobs/replay/replayRequest.js';

/**
 * Step Functions events: zod schemas of what travels between the state machines' steps
 * (state-machines/*.asl.json), and of their inputs. Each step handler parses its event with one of
 * these (lib/aws/handler.ts stepHandler): a malformed event is an InputError naming the field.
 * A step's own event is `<function>EventSchema` (backupStartEventSchema for backupStart); the steps
 * that take the workflow's state parse backupStateSchema or drillStateSchema.
 */
const isoTime = z.iso.datetime({ offset: true });

export const runStateSchema = z.object({
  kind: z.enum(reportKinds),
  id: z.string().min(1),
  system: z.string().min(1),
  environment: z.string(),
  startedAt: isoTime,
  phases: reportSchema.shape.phases,
  checks: reportSchema.shape.checks,
  details: z.record(z.string(), z.unknown()),
  failure: z.string().nullable(),
});

const handleSchema = z.object({ id: z.string().min(1), connectionString: z.string() });

export const drillStateSchema = z.object({
  run: runStateSchema,
  options: z.object({
    system: z.string(),
    environment: z.string(),
    targetTime: isoTime.nullable(),
    backupId: z.string().nullable(),
    mask: z.boolean(),
    rpoTargetSeconds: z.number().positive(),
    rtoTargetSeconds: z.number().positive(),
  }),
  recoveryTargetTime: isoTime,
  backupId: z.string().nullable(),
  staging: handleSchema.nullable(),
  recoverStartedAt: isoTime.nullable(),
  recovered: z.boolean(),
  verifiedAt: isoTime.nullable(),
  heartbeat: isoTime.nullable(),
  tornDown: z.boolean(),
  /** Set by RestoreDrillVerify when the system configures a catch-up: the RestoreDrillCatchUp state runs (and masks after it). */
  catchUpPending: z.boolean().optional(),
  /** The catch-up phase's figures (restore.catchUp). */
  catchUp: catchUpSummarySchema
    .omit({ serviceRtoSeconds: true })
    .extend({ passed: z.boolean() })
    .nullable()
    .optional(),
  /** The state machine execution this drill runs in (its staging identifier derives from it). */
  drillKey: z.string().min(1),
});

const backupRecordSchema = z.object({
  id: z.string(),
  system: z.string(),
  takenAt: z.string(),
  finishedAt: z.string(),
  location: z.string(),
  sizeBytes: z.number().nullable(),
  manifest: z.null(),
});

export const backupStateSchema = z.object({
  run: runStateSchema,
  options: z.object({
    system: z.string(),
    environment: z.string(),
    backupId: z.string().min(1),
    retention: z.object({ maxAgeDays: z.number().int().positive(), keepMonthly: z.number().int().min(0) }),
    rpoTargetSeconds: z.number().positive(),
  }),
  record: backupRecordSchema.nullable(),
  takeStartedAt: isoTime.nullable(),
  taken: z.boolean(),
});

/**
 * What a Catch adds to the state (ResultPath "$.error").
 * @example { "Error": "States.TaskFailed", "Cause": "{\"errorMessage\":\"snapshot failed\"}" }
 */
export const caughtSchema = z.object({ Error: z.string(), Cause: z.string().optional() });

/** A time a person typed: ISO-8601 with Z or an offset, normalised to UTC ("…Z"). */
const zonedTimeText = z.string().transform((text, ctx) => {
  const parsed = parseZonedTime(text);
  if (parsed.ok) return parsed.date.toISOString();
  ctx.addIssue({ code: 'custom', message: parsed.reason });
  return z.NEVER;
});

/**
 * Manual (or scheduled) input of the restore-drill state machine.
 * @example { "system": "shop", "targetTime": "2026-11-20T10:00:00+01:00", "mask": true }
 */
export const drillInputSchema = z.strictObject({
  system: z.string().min(1).optional(),
  /** Recover to the newest backup whose manifest point is at or before this time (with a zone). */
  targetTime: zonedTimeText.optional(),
  backupId: z.string().min(1).optional(),
  /** Mask PII in staging (default: when masking rules are configured). */
  mask: z.boolean().optional(),
});

/**
 * Manual (or scheduled) input of the backup state machine.
 * @example { "system": "shop", "backupId": "drillbook-shop-20261120" }
 */
export const backupInputSchema = z.strictObject({
  system: z.string().min(1).optional(),
  /** Snapshot identifier; default drillbook-<system>-<YYYYMMDD> of the execution's start (one a day). */
  backupId: z
    .string()
    .regex(/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,200}[a-zA-Z0-9]$/, 'must be a valid RDS snapshot identifier')
    .optional(),
});

/**
 * The execution facts the ASL passes in with Parameters ($$.Execution.Name / StartTime).
 * @example { "executionName": "nightly-2026-11-20", "startTime": "2026-11-20T02:00:00.000Z" }
 */
export const executionSchema = z.object({ executionName: z.string().min(1), startTime: isoTime });

/**
 * backupStart: the execution facts and the state machine's input.
 * @example { "executionName": "nightly-2026-11-20", "startTime": "2026-11-20T02:00:00.000Z", "input": { "system": "shop" } }
 */
export const backupStartEventSchema = executionSchema.extend({ input: backupInputSchema });

/**
 * backupFailed (Catch path): what is known of the run, and the caught error.
 * @example { "input": { "system": "shop" }, "startTime": "2026-11-20T02:00:00.000Z", "error": { "Error": "States.Timeout" } }
 */
export const backupFailedEventSchema = z.object({
  input: backupInputSchema.optional(),
  startTime: z.string().optional(),
  state: backupStateSchema.optional(),
  error: caughtSchema,
});

/**
 * restoreDrillStart: the execution facts and the state machine's input.
 * @example { "executionName": "drill-2026-11-20", "startTime": "2026-11-20T03:00:00.000Z", "input": { "system": "shop" } }
 */
export const restoreDrillStartEventSchema = executionSchema.extend({ input: drillInputSchema });

/**
 * restoreDrillTeardown (after success and on every Catch path): the drill state when there is one.
 * @example { "input": { "system": "shop" }, "executionName": "drill-2026-11-20", "error": { "Error": "TransientAwsError" } }
 */
export const restoreDrillTeardownEventSchema = z.object({
  input: drillInputSchema,
  executionName: z.string().min(1),
  state: drillStateSchema.optional(),
  error: caughtSchema.optional(),
});

/**
 * restoreDrillReport: the teardown event plus the teardown's own caught error, if any.
 * @example { "input": {}, "executionName": "drill-2026-11-20", "state": { "run": { "kind": "restore-drill" } } }
 */
export const restoreDrillReportEventSchema = restoreDrillTeardownEventSchema.extend({
  teardownError: caughtSchema.optional(),
});

/**
 * replayRehearsal: the state machine wraps the request with the execution name as run id.
 * @example { "request": { "system": "shop", "stream": "orders" }, "runId": "rehearsal-2026-11-20" }
 */
export const replayRehearsalEventSchema = z.object({
  request: replayRequestSchema,
  runId: z.string().min(1).max(200).optional(),
});

/** Parses `{request, runId?}` (from the state machine) or a bare request (a direct invocation). */
export function parseReplayEvent(event: unknown): { request: ReplayRequest; runId: string | undefined } {
  if (typeof event === 'object' && event !== null && 'request' in event) {
    const parsed = parseWith(replayRehearsalEventSchema, event, 'event');
    return { request: parsed.request, runId: parsed.runId };
  }
  return { request: parseWith(replayRequestSchema, event, 'event'), runId: undefined };
}
