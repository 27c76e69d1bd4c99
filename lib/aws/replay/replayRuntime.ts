import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import type { AnyProjection } from '../../core/replay/projection.js';
import { fieldProblem } from '../../core/zodFieldError.js';
import { type DrillbookConfig, findSystem, parseWith, type SystemConfig } from '../../drillbookConfig.js';
import { envString } from '../../env.js';
import {
  type ConfiguredStream,
  type ReplayEnvironment,
  replayRequestSchema,
} from '../../jobs/replay/replayRequest.js';
import { type NatsAuth, natsAuthFromSecret } from '../../nats/auth.js';
import type { SecretValueReader } from '../../ports.js';
import { loadProjectionModule } from '../../projections/loader.js';
import { lambdaPublishers } from '../lambdaPublishers.js';
import { lambdaConfig } from '../runtime.js';
import { postgresUrl } from '../secrets.js';
import { SecretsManagerReader } from '../secretsManagerReader.js';
import { replayEnvironmentFromProcess } from './replayEnvironment.js';

/** The Secrets Manager RDS secret format: login plus endpoint. */
const pgSecretSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).default(5432),
  dbname: z.string().min(1).optional(),
});

/** One systems[].streams[] entry: what a rehearsal of that stream uses unless the input says otherwise. */
const configuredStreamSchema = replayRequestSchema.omit({ system: true, environment: true }).extend({
  stream: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a stream name'),
  projection: z.string().min(1),
  /** A package name or a module path (from the function root) exporting the projection. */
  projectionModule: z.string().min(1).optional(),
});

/** The system's streams, validated (errors name systems.N.streams.M.field), and the user's projections loaded. */
async function configuredStreams(
  system: SystemConfig,
  index: number,
  baseDir: string,
): Promise<{ streams: ConfiguredStream[]; projections: AnyProjection[] }> {
  const streams: ConfiguredStream[] = [];
  const projections: AnyProjection[] = [];
  for (const [i, raw] of system.streams.entries()) {
    const prefix = `systems.${index}.streams.${i}`;
    const { projectionModule, ...entry } = parseWith(configuredStreamSchema, raw, prefix);
    streams.push(entry);
    if (projectionModule && !projections.some((p) => p.name === entry.projection)) {
      projections.push(
        await loadProjectionModule(projectionModule, entry.projection, baseDir, `${prefix}.projectionModule`),
      );
    }
  }
  return { streams, projections };
}

/** The system a rehearsal runs for: the named one, else the only one with a `nats` section. */
function replaySystem(
  config: DrillbookConfig,
  name: string | undefined,
): { system: SystemConfig; index: number } {
  const system =
    name !== undefined
      ? findSystem(config, name)
      : (() => {
          const withNats = config.systems.filter((s) => s.nats);
          if (withNats.length === 1) return withNats[0]!;
          if (config.systems.length === 1) return config.systems[0]!;
          throw new ConfigError(
            'system',
            `${withNats.length} systems have a "nats" section; name one in the input`,
          );
        })();
  return { system, index: config.systems.indexOf(system) };
}

/** The replay's Postgres (live projection, outbox) from systems[].replay's secret, when configured. */
export async function replayPgUrl(
  system: SystemConfig,
  index: number,
  secrets: SecretValueReader,
): Promise<string | undefined> {
  const db = system.replay;
  if (!db) return undefined;
  const field = `systems.${index}.replay.secretId`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await secrets.readSecret(db.secretId));
  } catch (error) {
    if (error instanceof SyntaxError) throw new ConfigError(field, `secret ${db.secretId} is not JSON`);
    throw error;
  }
  const result = pgSecretSchema.safeParse(parsed);
  if (!result.success) {
    throw new ConfigError(field, `secret ${db.secretId} lacks a valid "${fieldProblem(result.error).path}"`);
  }
  const s = result.data;
  const database = db.database ?? s.dbname ?? 'postgres';
  return postgresUrl({ host: s.host, port: s.port }, database, s, db.sslMode);
}

/** The NATS login from systems[].nats.credentialsSecretId, read now (never at packaging). */
export async function natsLoginOf(
  system: SystemConfig,
  index: number,
  secrets: SecretValueReader,
): Promise<NatsAuth | undefined> {
  const id = system.nats?.credentialsSecretId;
  if (!id) return undefined;
  return natsAuthFromSecret(await secrets.readSecret(id), id, `systems.${index}.nats.credentialsSecretId`);
}

/**
 * The rehearsal's environment on AWS, from the config ($DRILLBOOK_CONFIG_JSON) at invocation:
 * systems[].nats (URL, TLS, and the login read from Secrets Manager now, not at packaging) and
 * systems[].replay (the Postgres login and endpoint from a secret: no URL in the environment).
 * Reports go to the configured runbook store (a folder when $DRILLBOOK_RUNBOOK_DIR is set).
 */
export async function replayEnvironmentFromConfig(
  systemName: string | undefined,
  options: { config?: DrillbookConfig; secrets?: SecretValueReader; env?: NodeJS.ProcessEnv } = {},
): Promise<ReplayEnvironment> {
  const env = options.env ?? process.env;
  const config = options.config ?? lambdaConfig(env);
  const { system, index } = replaySystem(config, systemName);
  if (!system.nats)
    throw new ConfigError(`systems.${index}.nats.url`, 'is required for the replay rehearsal');
  const secrets =
    options.secrets ?? new SecretsManagerReader(system.aws ? { region: system.aws.region } : {});
  const { nats } = system;
  const natsAuth = await natsLoginOf(system, index, secrets);
  const pgUrl = await replayPgUrl(system, index, secrets);
  const { streams, projections } = await configuredStreams(
    system,
    index,
    envString(env, 'LAMBDA_TASK_ROOT') ?? process.cwd(),
  );
  return {
    natsUrl: nats.url,
    ...(natsAuth ? { natsAuth } : {}),
    ...(nats.tls || nats.url.startsWith('tls://') ? { natsTls: nats.tls ?? {} } : {}),
    ...(pgUrl ? { pgUrl } : {}),
    streams,
    projections,
    system: system.name,
    environment: system.environment,
    publish: lambdaPublishers(config, env),
  };
}

/**
 * What the deployed handler uses: the config's systems[].nats when the config
 * ($DRILLBOOK_CONFIG_JSON) has one; otherwise (older stacks, `drillbook run` without a nats
 * section) the DRILLBOOK_NATS_URL / DRILLBOOK_REPLAY_PG_URL variables.
 */
export function replayEnvironmentForInvocation(
  systemName: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ReplayEnvironment> | ReplayEnvironment {
  if (env['DRILLBOOK_CONFIG_JSON']) {
    const config = lambdaConfig(env);
    if (config.systems.some((s) => s.nats)) return replayEnvironmentFromConfig(systemName, { config, env });
  }
  return replayEnvironmentFromProcess(env);
}
