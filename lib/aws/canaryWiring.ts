import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { type CanaryConfig, canaryConfigSchema } from '../core/canary/canaryConfig.js';
import { chatSummary } from '../core/chatSummary.js';
import { parseWith } from '../drillbookConfig.js';
import { envJson } from '../env.js';
import type { Chat, Metrics, RunbookStore } from '../ports.js';
import { buildAwsPublishers } from './awsPublishers.js';
import { createClient } from './clients.js';
import { CloudWatchAlarmTags, CloudWatchSlis } from './cloudWatchSlis.js';
import { CodeDeployDeployments } from './codeDeployDeployments.js';
import { logger } from './handler.js';

/** Composition for the canary Lambda functions: AWS adapters built once per container. */

export interface CanaryAwsDeps {
  config: CanaryConfig;
  deployments: CodeDeployDeployments;
  alarmTags: CloudWatchAlarmTags;
  slis: CloudWatchSlis;
  runbook: RunbookStore;
  chat: Chat;
  metrics?: Metrics;
  warn: (message: string) => void;
}

let cached: CanaryAwsDeps | undefined;

export function canaryAwsDeps(env: NodeJS.ProcessEnv = process.env): CanaryAwsDeps {
  if (cached) return cached;
  const json = envJson(env, 'DRILLBOOK_CANARY_CONFIG');
  const config = parseWith(canaryConfigSchema, json, 'DRILLBOOK_CANARY_CONFIG');
  const warn = (message: string) => logger.warn(message);
  // The S3 runbook store, webhook chat (URL from Secrets Manager) and CloudWatch metrics, from the
  // DRILLBOOK_RUNBOOK_BUCKET / _PREFIX / DRILLBOOK_WEBHOOK_SECRET_ID environment.
  const publishers = buildAwsPublishers({ config: null, env, warn });
  // One SDK attempt each: throttling is retried, bounded and visibly, by withThrottleRetry.
  const cloudWatch = createClient(CloudWatchClient, { purpose: 'canary' });
  cached = {
    config,
    deployments: new CodeDeployDeployments(createClient(CodeDeployClient, { purpose: 'canary' })),
    alarmTags: new CloudWatchAlarmTags(cloudWatch),
    slis: new CloudWatchSlis(cloudWatch),
    runbook: publishers.runbook,
    // Without a webhook configured, the chat message goes to the logs.
    chat: publishers.chat ?? {
      postReport: async (report, location) => logger.info(chatSummary(report, location)),
    },
    ...(publishers.metrics ? { metrics: publishers.metrics } : {}),
    warn,
  };
  return cached;
}
