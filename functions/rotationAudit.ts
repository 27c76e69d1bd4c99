import { rotationAuditHandler } from '../lib/aws/rotationAuditLambda.js';

/**
 * Daily rotation audit (EventBridge schedule): flags disabled, overdue, due-soon and stuck
 * rotations, writes a "rotation-audit" report, publishes metrics, posts to chat when flagged.
 */
export const handler = rotationAuditHandler();
