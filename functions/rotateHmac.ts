import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { createRotationHandler } from '../lib/aws/rotationLambda.js';

/**
 * Secrets Manager rotation function for hmac secrets. Input: the rotation event
 * {Step, SecretId, ClientRequestToken}, zod-validated; one idempotent step per invocation.
 * Logs ids and steps only, never secret values.
 */
const logger = new Logger({ serviceName: 'drillbook-rotate-hmac' });

export const handler = middy().handler(
  createRotationHandler('hmac', { log: (message) => logger.info(message) }),
);
