import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../core/errors.js';
import { type DrillbookConfig, findSystem, parseConfig, type SystemConfig } from '../drillbookConfig.js';
import { envJson, envString } from '../env.js';
import type { Progress } from '../ports.js';
import { AwsSourceDatabase } from './awsSourceDatabase.js';
import { AwsStagingInspector } from './awsStagingInspector.js';
import { type AwsSystemConfig, rdsSource } from './awsSystemConfig.js';
import { createClient } from './clients.js';
import type { ManifestStore } from './manifestStore.js';
import { RdsRestoreTarget } from './rdsRestoreTarget.js';
import { RdsSnapshots } from './rdsSnapshots.js';

/**
 * Everything a backup or drill step needs on AWS, built from the config. The config comes from
 * $DRILLBOOK_CONFIG_JSON (the deployed functions get it from serverless.yml) and is validated by
 * the same schema as the CLI's. Publishing (S3, chat, metrics) is in publishing.ts, so that the
 * steps that never publish (polls, teardown) do not bundle it.
 */
export interface AwsRuntime {
  config: DrillbookConfig;
  system: SystemConfig;
  aws: AwsSystemConfig;
  /** The deployment stage ($DRILLBOOK_STAGE, set by serverless.yml): scopes snapshot ids and tags. */
  stage: string | undefined;
  rds: RDSClient;
  secrets: SecretsManagerClient;
  progress: Progress;
}

let cachedConfig: { text: string; config: DrillbookConfig } | null = null;

export function lambdaConfig(env: NodeJS.ProcessEnv = process.env): DrillbookConfig {
  const text = env['DRILLBOOK_CONFIG_JSON'];
  if (text && cachedConfig?.text === text) return cachedConfig.config;
  const raw = envJson(env, 'DRILLBOOK_CONFIG_JSON', 'the drillbook config as JSON');
  const config = parseConfig(raw, envString(env, 'LAMBDA_TASK_ROOT') ?? process.cwd());
  cachedConfig = { text: text as string, config };
  return config;
}

/** The system to work on: the named one, else the only one with an `aws` section. */
export function awsSystem(config: DrillbookConfig, name: string | undefined): SystemConfig {
  if (name !== undefined) {
    const system = findSystem(config, name);
    if (!system.aws) throw new ConfigError(`systems.${system.name}.aws`, 'is required for the AWS target');
    return system;
  }
  const withAws = config.systems.filter((s) => s.aws);
  if (withAws.length !== 1) {
    throw new ConfigError('system', `${withAws.length} systems have an "aws" section; name one in the input`);
  }
  return withAws[0]!;
}

const clients = new Map<string, RDSClient>();
function cachedRds(region: string): RDSClient {
  let client = clients.get(region);
  if (!client) {
    client = createClient(RDSClient, { region });
    clients.set(region, client);
  }
  return client;
}
let cachedSecrets: { region: string; client: SecretsManagerClient } | null = null;

export function awsRuntime(systemName: string | undefined, progress: Progress): AwsRuntime {
  const config = lambdaConfig();
  const system = awsSystem(config, systemName);
  const aws = system.aws!;
  if (cachedSecrets?.region !== aws.region)
    cachedSecrets = {
      region: aws.region,
      client: createClient(SecretsManagerClient, { region: aws.region }),
    };
  return {
    config,
    system,
    aws,
    stage: envString(process.env, 'DRILLBOOK_STAGE'),
    rds: cachedRds(aws.region),
    secrets: cachedSecrets.client,
    progress,
  };
}

/** The snapshot repository; `manifests` is where verification manifests are kept (publishing.ts). */
export function snapshotsOf(rt: AwsRuntime, manifests: ManifestStore): RdsSnapshots {
  return new RdsSnapshots({
    system: rt.system.name,
    stage: rt.stage,
    source: rdsSource(rt.aws),
    region: rt.aws.region,
    client: rt.rds,
    manifests,
    offsite: rt.aws.offsite
      ? {
          region: rt.aws.offsite.region,
          client: cachedRds(rt.aws.offsite.region),
          kmsKeyId: rt.aws.offsite.kmsKeyId,
        }
      : undefined,
    snapshotTimeoutMs: rt.aws.waits.snapshotTimeoutMinutes * 60_000,
  });
}

export function sourceOf(rt: AwsRuntime): AwsSourceDatabase {
  return new AwsSourceDatabase({
    system: rt.system.name,
    source: rdsSource(rt.aws),
    rds: rt.rds,
    secrets: rt.secrets,
    aws: rt.aws,
    heartbeatTable: rt.system.database.heartbeatTable,
    migrationsTable: rt.system.database.migrationsTable,
    tables: rt.system.database.tables,
    databases: rt.system.database.databases,
  });
}

export function restoreTargetOf(rt: AwsRuntime, drillKey: string): RdsRestoreTarget {
  return new RdsRestoreTarget({
    system: rt.system.name,
    source: rdsSource(rt.aws),
    client: rt.rds,
    staging: rt.aws.staging,
    engine: rt.aws.engine,
    database: rt.aws.database,
    sslMode: rt.aws.sslMode,
    drillKey,
    stage: rt.stage,
    restoreTimeoutMs: rt.aws.waits.restoreTimeoutMinutes * 60_000,
  });
}

export function inspectorOf(rt: AwsRuntime, target: RdsRestoreTarget): AwsStagingInspector {
  return new AwsStagingInspector(
    {
      system: rt.system.name,
      heartbeatTable: rt.system.database.heartbeatTable,
      migrationsTable: rt.system.database.migrationsTable,
      checks: rt.system.restore.checks,
      masking: rt.system.restore.masking,
    },
    rt.secrets,
    rt.aws.sourceSecretId,
    (handle) => target.assertStaging(handle),
  );
}
