import { z } from 'zod';
import { alarmStateChangeEventSchema } from '../../core/canary/alarmEvent.js';
import { InputError } from '../../core/errors.js';
import { canaryEventParser } from './canaryEventParser.js';

/**
 * EventBridge events. The "CloudWatch Alarm State Change" event of the canary halt is parsed in
 * lib/core/canary/alarmEvent.ts (alarmStateChangeEventSchema), where the guardrail logic reads it;
 * parsed here for the handler:
 * @example { "source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change",
 *   "resources": ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx"],
 *   "detail": { "alarmName": "checkout-5xx", "state": { "value": "ALARM" }, "previousState": { "value": "OK" } } }
 */
export const parseAlarmStateChangeEvent = canaryEventParser(alarmStateChangeEventSchema);

/**
 * The heartbeat's schedule event (every minute). Its own fields are ignored; a manual invocation
 * may name one system.
 * @example { "detail-type": "Scheduled Event", "source": "aws.events", "detail": {} }
 * @example { "system": "shop" }
 */
export const heartbeatEventSchema = z.looseObject({ system: z.string().min(1).optional() });

/**
 * The rotation audit's daily schedule event (or a manual `{}`); nothing in it changes what is audited.
 * @example { "detail-type": "Scheduled Event", "time": "2026-11-20T06:00:00Z" }
 */
export const auditEventSchema = z.looseObject({
  'detail-type': z.string().optional(),
  time: z.string().optional(),
});

export function parseAuditEvent(event: unknown): z.infer<typeof auditEventSchema> {
  const parsed = auditEventSchema.safeParse(event ?? {});
  if (!parsed.success) throw new InputError('event', 'must be an EventBridge scheduled event or {}');
  return parsed.data;
}
