import { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { z } from 'zod';
import { buildPublishers } from '../lib/adapters.js';
import { cloudWatchClient, codeDeployClient, sdkRetryFor } from '../lib/aws/clients.js';
import { CloudWatchAlarmTags, CloudWatchSlis } from '../lib/aws/cloudWatchSlis.js';
import { CodeDeployDeployments } from '../lib/aws/codeDeployDeployments.js';
import { parseWith } from '../lib/config.js';
import { type CanaryConfig, canaryConfigSchema } from '../lib/core/canary/config.js';
import { toInputError } from '../lib/core/canary/validation.js';
import { chatSummary } from '../lib/core/chatSummary.js';
import { envJson } from '../lib/env.js';
import type { Chat, Metrics, RunbookStore } from '../lib/ports.js';

/** Composition for the canary Lambda functions: AWS adapters built once per container. */
export const logger = new Logger({ serviceName: 'drillbook-canary' });

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
  const publishers = buildPublishers({ target: 'aws', config: null, env, warn });
  // One SDK attempt each: throttling is retried, bounded and visibly, by withThrottleRetry.
  const cloudWatch = cloudWatchClient(undefined, sdkRetryFor.canary);
  cached = {
    config,
    deployments: new CodeDeployDeployments(codeDeployClient(undefined, sdkRetryFor.canary)),
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

/** Middy middleware: parse the event with a zod schema; an invalid event becomes an InputError. */
export function zodEvent<S extends z.ZodType>(schema: S, prefix: string): MiddlewareObj<unknown> {
  return {
    before: (request) => {
      const result = schema.safeParse(request.event);
      if (!result.success) throw toInputError(result.error, prefix, request.event);
      request.event = result.data;
    },
  };
}
