import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { awsSystemSchema } from './aws/awsSystemConfig.js';
import { canaryConfigSchema } from './core/canary/canaryConfig.js';
import { ConfigError } from './core/errors.js';
import { secretsConfigSchema } from './core/rotation/secretsConfig.js';
import { zodConfigError } from './core/zodFieldError.js';
import { reportingSchema } from './reportingConfig.js';

/**
 * The drillbook config file (JSON). Validated once at start-up; every error names its field.
 * Relative paths are resolved against the config file's folder.
 */
const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'must be a table name like "schema.table"');

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL');

export const customCheckSchema = z.strictObject({
  name: z.string().min(1),
  sql: z.string().min(1),
  /** Expected value of the first column of the first row, compared as text. */
  expect: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  /** The database to run it in (default: the source URL's). */
  database: z.string().min(1).optional(),
});

export const maskingRuleSchema = z.strictObject({
  table: identifier,
  column: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a column name'),
  strategy: z.enum(['hash', 'redact', 'null', 'email']),
});

export const objectivesSchema = z
  .strictObject({
    rpoMinutes: z.number().positive().default(15),
    rtoMinutes: z.number().positive().default(240),
  })
  .default({ rpoMinutes: 15, rtoMinutes: 240 });

export const databaseSchema = z.strictObject({
  /** The production (source) database. Without a password in it, see passwordEnv/passwordFile. */
  sourceUrl: postgresUrl,
  /** Name of an environment variable holding the source's password (else PGPASSWORD, ~/.pgpass). */
  passwordEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  /** A file holding only the source's password (relative to the config file). */
  passwordFile: z.string().min(1).optional(),
  migrationsTable: identifier.optional(),
  heartbeatTable: identifier.default('public.drillbook_heartbeat'),
  /** Tables the manifest covers; default: every user table but the heartbeat. */
  tables: z.array(identifier).optional(),
  /** Databases of the cluster the manifest covers; default: every one but templates (that the login may connect to). */
  databases: z.array(z.string().min(1).max(63)).min(1).optional(),
});

export const localBackupSchema = z.strictObject({
  /** Folder holding base backups and the WAL archive (the source's archive_command writes to <dir>/wal). */
  dir: z.string().min(1),
  /**
   * pg_basebackup's start checkpoint. "fast" (default) starts at once but writes every dirty buffer
   * in one burst; "spread" paces it over checkpoint_completion_target x checkpoint_timeout (minutes
   * before the copy starts), the gentler choice on a busy production server.
   */
  checkpoint: z.enum(['fast', 'spread']).default('fast'),
  /** Cap on the copy's read rate (pg_basebackup --max-rate, e.g. "50M"), so the copy's I/O leaves room for production's. */
  maxRate: z
    .string()
    .regex(/^\d+[kM]?$/, 'must be a rate like "32768" (kB/s), "500k" or "50M"')
    .optional(),
});

export const retentionSchema = z
  .strictObject({
    maxAgeDays: z.number().int().min(1).max(365).default(14),
    keepMonthly: z.number().int().min(0).max(120).default(3),
  })
  .default({ maxAgeDays: 14, keepMonthly: 3 });

const qualifiedTable = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'must be a table name (schema.table)');

/**
 * The restore drill's catch-up phase: after the restored database passed verification, replay
 * each projection's events from its restored checkpoint to the live projection's checkpoint and
 * compare digests; reconcile the restored outbox with the stream.
 */
export const catchUpSchema = z.strictObject({
  /** Run the phase in every drill (default true; `--no-catch-up` skips it once, `--catch-up` forces it). */
  enabled: z.boolean().default(true),
  /** NATS server; default: systems[].nats.url. */
  natsUrl: z
    .string()
    .regex(/^(nats|tls|wss?):\/\//, 'must be a nats://, tls:// or wss:// URL')
    .optional(),
  /** Postgres holding the live projections; default: database.sourceUrl (the database restored). */
  liveUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  projections: z
    .array(
      z.strictObject({
        stream: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a stream name'),
        projection: z.string().min(1),
        table: qualifiedTable.optional(),
        checkpointTable: qualifiedTable.optional(),
      }),
    )
    .min(1, 'must list at least one projection'),
  /** The product's outbox: rows whose published column is null were not yet published. */
  outbox: z
    .strictObject({
      table: qualifiedTable,
      stream: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a stream name'),
      idColumn: z.string().default('id'),
      publishedColumn: z.string().default('published_at'),
      bound: z.number().int().min(1).max(10_000_000).default(100_000),
    })
    .optional(),
  connectTimeoutSeconds: z.number().int().min(1).max(600).default(30),
});

export const restoreSchema = z
  .strictObject({
    /** Must be "staging": drills never restore anywhere else. */
    environment: z
      .literal('staging', { error: 'must be "staging": drills only restore into staging' })
      .default('staging'),
    /** Local target: a folder for throwaway staging clusters. Default: the OS temp folder. */
    workDir: z.string().optional(),
    checks: z.array(customCheckSchema).default([]),
    masking: z.array(maskingRuleSchema).default([]),
    /** Per-wait time limit for recovery. */
    recoveryTimeoutSeconds: z.number().int().positive().default(3600),
    /** Optional catch-up of the read models from the stream after verification. */
    catchUp: catchUpSchema.optional(),
  })
  .default({ environment: 'staging', checks: [], masking: [], recoveryTimeoutSeconds: 3600 });

export const natsSchema = z.strictObject({
  url: z.string().regex(/^(nats|tls|wss?):\/\//, 'must be a nats://, tls:// or wss:// URL'),
  /**
   * Secrets Manager secret with the login: a creds file's content, a user nkey seed (SU...),
   * {"user","password"} or {"token"}.
   */
  credentialsSecretId: z.string().min(1).optional(),
  /** TLS: given (or a tls:// URL), the connection requires it; caFile adds a CA to trust. */
  tls: z.strictObject({ caFile: z.string().min(1).optional() }).optional(),
});

export const replayDatabaseSchema = z.strictObject({
  /** {"username","password","host","port"?,"dbname"?} (the Secrets Manager RDS secret format). */
  secretId: z.string().min(1),
  /** Database when the secret names none. */
  database: z.string().min(1).optional(),
  sslMode: z.enum(['verify-full', 'no-verify', 'disable']).default('verify-full'),
});

export const systemSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes'),
  environment: z.string().default('production'),
  database: databaseSchema,
  objectives: objectivesSchema,
  backup: z
    .strictObject({
      local: localBackupSchema.optional(),
      retention: retentionSchema,
      /** HMAC key for manifests, from the secret store (local: secrets.storeFile; AWS: Secrets Manager). */
      manifestKey: z.strictObject({ secretId: z.string().min(1) }).optional(),
    })
    .default({ retention: { maxAgeDays: 14, keepMonthly: 3 } }),
  restore: restoreSchema,
  /** The AWS target (RDS/Aurora source, staging network, secrets); see lib/aws/awsSystemConfig.ts. */
  aws: awsSystemSchema.optional(),
  /** Streams and projections for replay rehearsals; see the replay docs. */
  streams: z.array(z.record(z.string(), z.unknown())).default([]),
  /** The NATS the replay rehearsal reads, resolved at run time (AWS: the login from Secrets Manager). */
  nats: natsSchema.optional(),
  /** The replay's Postgres (live projection, outbox): its login and endpoint from a secret. */
  replay: replayDatabaseSchema.optional(),
});

const stateMachineArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/,
    'must be a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)',
  );

export const configSchema = z.strictObject({
  systems: z.array(systemSchema).min(1, 'must list at least one system'),
  runbook: z
    .strictObject({
      dir: z.string().optional(),
      s3: z
        .strictObject({
          bucket: z.string().min(3),
          prefix: z.string().default('drillbook/'),
          region: z.string().optional(),
        })
        .optional(),
    })
    .default({ dir: './runbook' }),
  chat: z
    .strictObject({
      /** Incoming-webhook URL (Slack-compatible). Prefer webhookSecretId on AWS. */
      webhookUrl: z.url().optional(),
      webhookSecretId: z.string().optional(),
      stdout: z.boolean().default(true),
    })
    .default({ stdout: true }),
  reporting: reportingSchema,
  /** Canary auto-halt: guardrail alarms -> CodeDeploy deployment groups, hook thresholds, probes. */
  canary: canaryConfigSchema.optional(),
  /** Secret rotation and the rotation audit (lib/core/rotation/secretsConfig.ts). */
  secrets: secretsConfigSchema.optional(),
  /** The deployed state machines' ARNs, for `drillbook start` (the stack's outputs). */
  stateMachines: z
    .strictObject({
      backup: stateMachineArn.optional(),
      'restore-drill': stateMachineArn.optional(),
      'replay-rehearsal': stateMachineArn.optional(),
    })
    .optional(),
});

export type DrillbookConfig = z.infer<typeof configSchema>;
export type SystemConfig = z.infer<typeof systemSchema>;

/**
 * Turns a zod error into a ConfigError naming the offending field (an unknown field first, with
 * the closest known name from `schema` when one is given).
 */
export function toConfigError(error: z.ZodError, prefix = '', schema?: z.ZodType): ConfigError {
  return zodConfigError(error, { prefix, unknown: 'explain', ...(schema ? { schema } : {}) });
}

/** Parses any input with a zod schema, throwing a ConfigError naming the field on failure. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, prefix = ''): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw toConfigError(result.error, prefix, schema);
  return result.data;
}

export function parseConfig(input: unknown, baseDir = process.cwd()): DrillbookConfig {
  const config = parseWith(configSchema, input);
  const names = new Set<string>();
  for (const [i, system] of config.systems.entries()) {
    if (names.has(system.name))
      throw new ConfigError(`systems.${i}.name`, `duplicate system "${system.name}"`);
    names.add(system.name);
    if (system.database.passwordFile)
      system.database.passwordFile = resolve(baseDir, system.database.passwordFile);
    if (system.backup.local) system.backup.local.dir = resolve(baseDir, system.backup.local.dir);
    if (system.restore.workDir) system.restore.workDir = resolve(baseDir, system.restore.workDir);
  }
  if (config.runbook.dir) config.runbook.dir = resolve(baseDir, config.runbook.dir);
  return config;
}

export function loadConfig(file: string): DrillbookConfig {
  const path = resolve(file);
  if (!existsSync(path)) throw new ConfigError('--config', `file not found: ${path}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('--config', `${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseConfig(raw, dirname(path));
}

export function findSystem(config: DrillbookConfig, name: string | undefined): SystemConfig {
  if (name === undefined) {
    if (config.systems.length === 1) return config.systems[0]!;
    throw new ConfigError('--system', `config lists ${config.systems.length} systems; name one`);
  }
  const system = config.systems.find((s) => s.name === name);
  if (!system) throw new ConfigError('--system', `no system "${name}" in config`);
  return system;
}
