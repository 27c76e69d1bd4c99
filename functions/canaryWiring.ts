import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { S3Client } from '@aws-sdk/client-s3';
import type { MiddlewareObj } from '@middy/core';
import type { z } from 'zod';
import { CloudWatchAlarmTags, CloudWatchSlis } from '../lib/aws/cloudWatchSlis.js';
import { CodeDeployDeployments } from '../lib/aws/codeDeployDeployments.js';
import { InterimS3RunbookStore } from '../lib/aws/interimS3RunbookStore.js';
import { parseWith } from '../lib/config.js';
import { type CanaryConfig, canaryConfigSchema } from '../lib/core/canary/config.js';
import { toInputError } from '../lib/core/canary/validation.js';
import { chatSummary } from '../lib/core/chatSummary.js';
import { ConfigError } from '../lib/core/errors.js';
import type { Chat, RunbookStore } from '../lib/ports.js';

/** Composition for the canary Lambda functions: AWS adapters built once per container. */
export const logger = new Logger({ serviceName: 'drillbook-canary' });

export interface CanaryAwsDeps {
  config: CanaryConfig;
  deployments: CodeDeployDeployments;
  alarmTags: CloudWatchAlarmTags;
  slis: CloudWatchSlis;
  runbook: RunbookStore;
  chat: Chat;
  warn: (message: string) => void;
}

let cached: CanaryAwsDeps | undefined;

export function canaryAwsDeps(env: NodeJS.ProcessEnv = process.env): CanaryAwsDeps {
  if (cached) return cached;
  const raw = env['DRILLBOOK_CANARY_CONFIG'];
  if (!raw) throw new ConfigError('DRILLBOOK_CANARY_CONFIG', 'is not set');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError('DRILLBOOK_CANARY_CONFIG', 'is not valid JSON', { cause: error });
  }
  const config = parseWith(canaryConfigSchema, json, 'DRILLBOOK_CANARY_CONFIG');
  const bucket = env['DRILLBOOK_RUNBOOK_BUCKET'];
  if (!bucket) throw new ConfigError('DRILLBOOK_RUNBOOK_BUCKET', 'is not set');
  // maxAttempts 1: throttling is retried, bounded and visibly, by lib/aws/throttleRetry.
  const sdk = { maxAttempts: 1 };
  const cloudWatch = new CloudWatchClient(sdk);
  cached = {
    config,
    deployments: new CodeDeployDeployments(new CodeDeployClient(sdk)),
    alarmTags: new CloudWatchAlarmTags(cloudWatch),
    slis: new CloudWatchSlis(cloudWatch),
    runbook: new InterimS3RunbookStore(
      new S3Client(sdk),
      bucket,
      env['DRILLBOOK_RUNBOOK_PREFIX'] ?? 'drillbook/',
    ),
    // Until the reporting job's webhook chat is wired here, the chat message goes to the logs.
    chat: { postReport: async (report, location) => logger.info(chatSummary(report, location)) },
    warn: (message) => logger.warn(message),
  };
  return cached;
}

/** Middy middleware: parse the event with a zod schema; an invalid event becomes an InputError. */
export function zodEvent<S extends z.ZodType>(schema: S, prefix: string): MiddlewareObj<unknown> {
  return {
    before: (request) => {
      const result = schema.safeParse(request.event);
      if (!result.success) throw toInputError(result.error, prefix);
      request.event = result.data;
    },
  };
}
