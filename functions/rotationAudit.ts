import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { createRotationAuditHandler } from '../lib/aws/rotationAuditLambda.js';

/**
 * Daily rotation audit (EventBridge schedule): flags disabled, overdue, due-soon and stuck
 * rotations, writes a "rotation-audit" report, publishes metrics, posts to chat when flagged.
 */
const logger = new Logger({ serviceName: 'drillbook-rotation-audit' });
const audit = createRotationAuditHandler();

export const handler = middy().handler(async (event: unknown) => {
  const result = await audit(event);
  logger.info('rotation audit finished', { reportId: result.reportId, outcome: result.outcome });
  return result;
});
