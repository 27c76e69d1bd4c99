import { z } from 'zod';
import { InputError } from '../errors.js';
import { toInputError } from './validation.js';

/**
 * The EventBridge "CloudWatch Alarm State Change" event, as AWS sends it. Unknown fields are
 * ignored (AWS adds fields over time); the ones drillbook relies on are required.
 */
export const alarmStates = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof alarmStates)[number];

/** CloudWatch writes "2026-11-23T06:30:00.123+0000"; EventBridge's own `time` is "...Z". */
const awsTimestamp = z.string().refine((s) => parseAwsTimestamp(s) !== null, 'must be an ISO-8601 time');

const stateSchema = z.object({
  value: z.enum(alarmStates),
  reason: z.string(),
  reasonData: z.string().optional(),
  timestamp: awsTimestamp,
});

export const alarmStateChangeEventSchema = z.object({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
  time: awsTimestamp,
  region: z.string().min(1),
  resources: z.array(z.string()).min(1, 'must hold the alarm ARN'),
  detail: z.object({
    alarmName: z.string().min(1),
    state: stateSchema,
    previousState: stateSchema.optional(),
    configuration: z.record(z.string(), z.unknown()).optional(),
  }),
});

export type AlarmStateChangeEvent = z.infer<typeof alarmStateChangeEventSchema>;

/** What the halt logic needs from an event. */
export interface AlarmTransition {
  eventId: string;
  alarmName: string;
  alarmArn: string;
  account: string;
  region: string;
  state: AlarmState;
  previousState: AlarmState | null;
  reason: string;
  /** When the alarm changed state (detail.state.timestamp), the start of time-to-halt. */
  changedAt: Date;
}

export function parseAwsTimestamp(text: string): Date | null {
  // "+0000" -> "+00:00" so every engine parses it the same way.
  const normalized = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(normalized)) return null;
  const date = new Date(normalized);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Validates an unknown input as an alarm state-change event; throws InputError naming the field. */
export function parseAlarmEvent(input: unknown): AlarmTransition {
  const result = alarmStateChangeEventSchema.safeParse(input);
  if (!result.success) throw toInputError(result.error, 'event', input);
  const e = result.data;
  const alarmArn =
    e.resources.find((r) => r.includes(':alarm:') && r.endsWith(`:${e.detail.alarmName}`)) ?? e.resources[0];
  if (alarmArn === undefined) throw new InputError('event.resources', 'must hold the alarm ARN');
  return {
    eventId: e.id,
    alarmName: e.detail.alarmName,
    alarmArn,
    account: e.account,
    region: e.region,
    state: e.detail.state.value,
    previousState: e.detail.previousState?.value ?? null,
    reason: e.detail.state.reason,
    changedAt: parseAwsTimestamp(e.detail.state.timestamp)!,
  };
}

/** Only a transition into ALARM acts; OK and INSUFFICIENT_DATA are recorded. */
export function actsOn(transition: AlarmTransition): boolean {
  return transition.state === 'ALARM';
}
