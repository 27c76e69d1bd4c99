import { heartbeatEventSchema } from '../lib/aws/events/eventBridge.js';
import { logProgress, stepHandler } from '../lib/aws/handler.js';
import { writeHeartbeats } from '../lib/aws/heartbeatWriter.js';

/**
 * Scheduled heartbeat (EventBridge, every minute by default): one row per RDS/Aurora source, the
 * probe a restore drill's RPO is measured with.
 */
export const handler = stepHandler(heartbeatEventSchema, (event) =>
  writeHeartbeats(event.system, logProgress),
);
