import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import { baseChoices } from '../../core/replay/base.js';
import type { AnyProjection } from '../../core/replay/projection.js';
import type { NatsAuth, NatsTls } from '../../nats/auth.js';
import { NatsWindowReader } from '../../nats/windowReader.js';
import { PgLiveProjection } from '../../pg/liveProjection.js';
import { PgOutbox } from '../../pg/outbox.js';
import { findProjection } from '../../projections/index.js';
import type { Publishers } from '../publish.js';
import { type ReplayRehearsalResult, runReplayRehearsal } from './replayRehearsal.js';

const tableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'must be a table name');

/** A rehearsal request as a state machine or a manual start sends it (the Lambda's input). */
export const replayRequestSchema = z.object({
  system: z.string().min(1).optional(),
  environment: z.string().min(1).optional(),
  /** Default: the system's first configured stream (systems[].streams, on AWS). */
  stream: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a stream name')
    .optional(),
  /** Default: the projection configured for the stream. */
  projection: z.string().min(1).optional(),
  fromSeq: z.number().int().min(1).optional(),
  toSeq: z.number().int().min(1).optional(),
  /** Where the state starts (default auto: a stored snapshot, else sequence 1). */
  base: z.enum(baseChoices).optional(),
  expectDigest: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
    .optional(),
  projectionTable: tableName.optional(),
  checkpointTable: tableName.optional(),
  outboxTable: tableName.optional(),
  outboxBound: z.number().int().min(1).max(10_000_000).optional(),
});
export type ReplayRequest = z.infer<typeof replayRequestSchema>;

/** A stream as the config describes it (systems[].streams[]): the defaults of a rehearsal of it. */
export type ConfiguredStream = Omit<ReplayRequest, 'system' | 'environment' | 'stream' | 'projection'> & {
  stream: string;
  projection: string;
};

export interface ReplayEnvironment {
  natsUrl: string;
  /** The configured streams: a request without a stream rehearses the first one. */
  streams?: ConfiguredStream[];
  /** Projections loaded from the user's modules, consulted before the built-in ones. */
  projections?: AnyProjection[];
  /** The NATS login and TLS, resolved at run time (lib/aws/replay/replayRuntime.ts). */
  natsAuth?: NatsAuth;
  natsTls?: NatsTls;
  pgUrl?: string;
  system: string;
  environment: string;
  publish: Publishers;
}

/**
 * The request with the configured stream's defaults filled in: no stream means the first
 * configured one; what the request gives wins over the config.
 */
export function resolveRequest(
  request: ReplayRequest,
  streams: readonly ConfiguredStream[] = [],
): ReplayRequest & { stream: string; projection: string } {
  const stream = request.stream ?? streams[0]?.stream;
  if (!stream) {
    throw new InputError('stream', 'is required: name it in the input, or configure systems[].streams');
  }
  const configured = streams.find((s) => s.stream === stream);
  const given = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
  const merged = { ...configured, ...given, stream };
  if (!merged.projection) {
    throw new InputError(
      'projection',
      `is required: name it in the input, or configure it for stream ${stream}`,
    );
  }
  return merged as ReplayRequest & { stream: string; projection: string };
}

/**
 * Runs a rehearsal request with the real adapters (NATS window reader, Postgres live projection and
 * outbox). Idempotent under redelivery: a request carrying a runId that already has a report
 * returns that report instead of running again.
 */
export async function runReplayRequest(
  input: ReplayRequest,
  runId: string | undefined,
  env: ReplayEnvironment,
  signal?: AbortSignal,
): Promise<ReplayRehearsalResult & { repeated: boolean }> {
  const request = resolveRequest(input, env.streams);
  const system = request.system ?? env.system;
  if (runId) {
    const earlier = (
      await env.publish.runbook.listReports({ kind: 'replay-rehearsal', system, limit: 200 })
    ).find((r) => r.details?.['runId'] === runId);
    if (earlier) return { report: earlier, location: earlier.id, repeated: true };
  }
  const projection = findProjection(request.projection, 'projection', env.projections);
  if (request.outboxTable && !env.pgUrl) throw new InputError('outboxTable', 'needs a Postgres URL');
  if (request.base === 'table' && !env.pgUrl) throw new InputError('base', 'table needs a Postgres URL');
  const table = () =>
    new PgLiveProjection(env.pgUrl!, projection, {
      ...(request.projectionTable ? { table: request.projectionTable } : {}),
      ...(request.checkpointTable ? { checkpointTable: request.checkpointTable } : {}),
    });
  const result = await runReplayRehearsal(
    {
      system,
      environment: request.environment ?? env.environment,
      stream: request.stream,
      projection,
      ...(request.fromSeq !== undefined ? { fromSeq: request.fromSeq } : {}),
      ...(request.toSeq !== undefined ? { toSeq: request.toSeq } : {}),
      ...(request.expectDigest ? { expectDigest: request.expectDigest } : {}),
      ...(request.base ? { base: request.base } : {}),
      ...(request.outboxBound !== undefined ? { outboxBound: request.outboxBound } : {}),
      ...(runId ? { runId } : {}),
    },
    {
      reader: new NatsWindowReader(env.natsUrl, { auth: env.natsAuth, tls: env.natsTls }),
      ...(env.pgUrl ? { live: table() } : {}),
      ...(request.base === 'table' ? { base: table() } : {}),
      ...(env.pgUrl && request.outboxTable
        ? { outbox: new PgOutbox(env.pgUrl, { table: request.outboxTable }) }
        : {}),
      publish: env.publish,
      ...(signal ? { signal } : {}),
    },
  );
  return { ...result, repeated: false };
}
