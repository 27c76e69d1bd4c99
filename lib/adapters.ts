import { resolve } from 'node:path';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CloudWatchMetrics } from './aws/cloudWatchMetrics.js';
import { S3RunbookStore } from './aws/s3RunbookStore.js';
import { SecretsManagerReader } from './aws/secretsManagerReader.js';
import { FanoutChat } from './chat/fanoutChat.js';
import { WebhookChat } from './chat/webhookChat.js';
import { webhookUrlFromSecret } from './chat/webhookUrl.js';
import type { DrillbookConfig } from './config.js';
import { ConfigError } from './core/errors.js';
import { type Env, envString } from './env.js';
import type { Publishers } from './jobs/publish.js';
import { ConsoleChat } from './local/consoleChat.js';
import { FolderRunbookStore } from './local/folderRunbookStore.js';
import type { Chat, SecretValueReader } from './ports.js';

export interface PublisherOptions {
  target: 'local' | 'aws';
  /** The parsed config file, or null (then defaults and the environment apply). */
  config: DrillbookConfig | null;
  /** `--runbook DIR` (local target): wins over the config's runbook.dir. */
  runbookDir?: string;
  /**
   * Where the chat summary is printed (CLI: stdout, or stderr with --json). Omit it in Lambda
   * handlers: their stdout is the log, and the webhook is the chat there.
   */
  print?: (text: string) => void;
  warn?: (message: string) => void;
  /** Environment to read DRILLBOOK_* settings from (default process.env). */
  env?: Env;
  /** Overrides for tests: a secret reader and SDK clients. */
  secrets?: SecretValueReader;
  clients?: { s3?: S3Client; cloudWatch?: CloudWatchClient; secretsManager?: SecretsManagerClient };
}

/**
 * The one place that turns configuration into publishers {runbook, chat, metrics} for
 * publishReport; every command and Lambda handler gets its publishers here.
 *
 * Local target: the runbook folder (--runbook, else runbook.dir, else ./runbook); the chat summary
 * printed (unless chat.stdout is false or nothing to print to); a webhook chat when chat.webhookUrl
 * or $DRILLBOOK_WEBHOOK_URL is set; no metrics.
 *
 * AWS target: the S3 runbook store (runbook.s3, or $DRILLBOOK_RUNBOOK_BUCKET/_PREFIX), encrypted
 * with reporting.kmsKeyId when set; a webhook chat whose URL is read from Secrets Manager
 * (chat.webhookSecretId or $DRILLBOOK_WEBHOOK_SECRET_ID) at the first post, so a missing secret
 * only costs the chat message, never the report; CloudWatch metrics in reporting.metricsNamespace.
 */
export function buildPublishers(options: PublisherOptions): Publishers {
  const env = options.env ?? process.env;
  const config = options.config;
  const warn = options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const chats: Chat[] = [];
  if (options.print && config?.chat.stdout !== false) chats.push(new ConsoleChat(options.print));

  const webhook = (url: () => Promise<string>) =>
    new WebhookChat({
      url,
      maxAttempts: config?.reporting.chatMaxAttempts ?? 4,
      ...(config?.reporting.linkBaseUrl ? { linkBaseUrl: config.reporting.linkBaseUrl } : {}),
    });

  if (options.target === 'local') {
    const url = config?.chat.webhookUrl ?? envString(env, 'DRILLBOOK_WEBHOOK_URL');
    if (url) chats.push(webhook(async () => url));
    return {
      runbook: new FolderRunbookStore(resolve(options.runbookDir ?? config?.runbook.dir ?? 'runbook')),
      ...chatOf(chats),
      warn,
    };
  }

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
    chats.push(webhook(async () => webhookUrlFromSecret(secretId, await secrets.readSecret(secretId))));
  } else if (config?.chat.webhookUrl) {
    const url = config.chat.webhookUrl;
    chats.push(webhook(async () => url));
  }

  const metrics = new CloudWatchMetrics({
    namespace:
      config?.reporting.metricsNamespace ?? envString(env, 'DRILLBOOK_METRICS_NAMESPACE') ?? 'Drillbook',
    ...(region ? { region } : {}),
    ...(options.clients?.cloudWatch ? { client: options.clients.cloudWatch } : {}),
  });
  return { runbook, ...chatOf(chats), metrics, warn };
}

function chatOf(chats: Chat[]): { chat?: Chat } {
  if (chats.length === 0) return {};
  return { chat: chats.length === 1 ? (chats[0] as Chat) : new FanoutChat(chats) };
}
