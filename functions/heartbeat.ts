import { z } from 'zod';
import { logProgress, stepHandler } from '../lib/aws/handler.js';
import { writeHeartbeats } from '../lib/aws/heartbeatWriter.js';

/**
 * Scheduled heartbeat (EventBridge, every minute by default): one row per RDS/Aurora source, the
 * probe a restore drill's RPO is measured with. The scheduled event's own fields are ignored; a
 * manual invocation may name one system.
 */
const heartbeatEvent = z.looseObject({ system: z.string().min(1).optional() });

export const handler = stepHandler(heartbeatEvent, (event) => writeHeartbeats(event.system, logProgress));
