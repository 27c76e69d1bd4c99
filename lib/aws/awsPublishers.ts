import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { chatOf, reportWebhook } from '../chat/reportChats.js';
import { webhookUrlFromSecret } from '../chat/webhookUrl.js';
import { ConfigError } from '../core/errors.js';
import type { DrillbookConfig } from '../drillbookConfig.js';
import { type Env, envString } from '../env.js';
import type { Publishers } from '../jobs/publish.js';
import type { Chat, SecretValueReader } from '../ports.js';
import { CloudWatchMetrics } from './cloudWatchMetrics.js';
import { S3RunbookStore } from './s3RunbookStore.js';
import { SecretsManagerReader } from './secretsManagerReader.js';

export interface AwsPublisherOptions {
  /** The parsed config file, or null (then defaults and the environment apply). */
  config: DrillbookConfig | null;
  warn?: (message: string) => void;
  /** Environment to read DRILLBOOK_* settings from (default process.env). */
  env?: Env;
  /** Overrides for tests: a secret reader and SDK clients. */
  secrets?: SecretValueReader;
  clients?: { s3?: S3Client; cloudWatch?: CloudWatchClient; secretsManager?: SecretsManagerClient };
}

/**
 * Publishers on AWS: the S3 runbook store (runbook.s3, or $DRILLBOOK_RUNBOOK_BUCKET/_PREFIX),
 * encrypted with reporting.kmsKeyId when set; a webhook chat whose URL is read from Secrets
 * Manager (chat.webhookSecretId or $DRILLBOOK_WEBHOOK_SECRET_ID) at the first post, so a missing
 * secret only costs the chat message, never the report; CloudWatch metrics in
 * reporting.metricsNamespace. Nothing of the local target is bundled here.
 */
export function buildAwsPublishers(options: AwsPublisherOptions): Publishers {
  const env = options.env ?? process.env;
  const config = options.config;
  const warn = options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const chats: Chat[] = [];

  const s3 = config?.runbook.s3;
  const bucket = s3?.bucket ?? envString(env, 'DRILLBOOK_RUNBOOK_BUCKET');
  if (!bucket) {
    throw new ConfigError('runbook.s3.bucket', 'required for --target aws (or set DRILLBOOK_RUNBOOK_BUCKET)');
  }
  const region = s3?.region ?? envString(env, 'AWS_REGION');
  const kmsKeyId = config?.reporting.kmsKeyId ?? envString(env, 'DRILLBOOK_RUNBOOK_KMS_KEY_ID');
  const runbook = new S3RunbookStore({
    bucket,
    prefix: s3?.prefix ?? env['DRILLBOOK_RUNBOOK_PREFIX'] ?? 'drillbook/',
    ...(kmsKeyId ? { kmsKeyId } : {}),
    ...(region ? { region } : {}),
    ...(options.clients?.s3 ? { client: options.clients.s3 } : {}),
  });

  const secretId = config?.chat.webhookSecretId ?? envString(env, 'DRILLBOOK_WEBHOOK_SECRET_ID');
  if (secretId) {
    const secrets =
      options.secrets ??
      new SecretsManagerReader({
        ...(region ? { region } : {}),
        ...(options.clients?.secretsManager ? { client: options.clients.secretsManager } : {}),
      });
    chats.push(
      reportWebhook(config, async () => webhookUrlFromSecret(secretId, await secrets.readSecret(secretId))),
    );
  } else if (config?.chat.webhookUrl) {
    const url = config.chat.webhookUrl;
    chats.push(reportWebhook(config, async () => url));
  }

  const metrics = new CloudWatchMetrics({
    namespace:
      config?.reporting.metricsNamespace ?? envString(env, 'DRILLBOOK_METRICS_NAMESPACE') ?? 'Drillbook',
    ...(region ? { region } : {}),
    ...(options.clients?.cloudWatch ? { client: options.clients.cloudWatch } : {}),
  });
  return { runbook, ...chatOf(chats), metrics, warn };
}
