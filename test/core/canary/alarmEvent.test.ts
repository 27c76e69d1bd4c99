import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { actsOn, parseAlarmEvent, parseAwsTimestamp } from '../../../lib/core/canary/alarmEvent.js';
import { InputError } from '../../../lib/core/errors.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/canary/${name}`, import.meta.url), 'utf8'));

describe('parseAlarmEvent', () => {
  it('reads a real CloudWatch Alarm State Change event into a transition', () => {
    const t = parseAlarmEvent(fixture('alarm-state-alarm.json'));
    expect(t).toMatchObject({
      eventId: '6f0c4d4a-2b1e-4d55-9d2f-6d0b1c1e5a01',
      alarmName: 'checkout-canary-error-rate',
      alarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-canary-error-rate',
      state: 'ALARM',
      previousState: 'OK',
    });
    expect(t.changedAt.toISOString()).toBe('2026-11-23T06:30:04.975Z');
  });

  it('acts only on transitions into ALARM', () => {
    expect(actsOn(parseAlarmEvent(fixture('alarm-state-alarm.json')))).toBe(true);
    expect(actsOn(parseAlarmEvent(fixture('alarm-state-ok.json')))).toBe(false);
    expect(actsOn(parseAlarmEvent(fixture('alarm-state-insufficient-data.json')))).toBe(false);
  });

  it('rejects an event of another kind with an InputError naming the field', () => {
    const event = fixture('alarm-state-alarm.json');
    event['detail-type'] = 'EC2 Instance State-change Notification';
    expect(() => parseAlarmEvent(event)).toThrow(InputError);
    expect(() => parseAlarmEvent(event)).toThrow(/^event\.detail-type:/);
  });

  it('names a nested field that is wrong, and survives non-object input', () => {
    const event = fixture('alarm-state-alarm.json');
    event.detail.state.value = 'RED';
    expect(() => parseAlarmEvent(event)).toThrow(/^event\.detail\.state\.value:/);
    expect(() => parseAlarmEvent('not an event')).toThrow(InputError);
    expect(() => parseAlarmEvent(null)).toThrow(InputError);
  });

  it('rejects an unparseable state timestamp', () => {
    const event = fixture('alarm-state-alarm.json');
    event.detail.state.timestamp = 'yesterday';
    expect(() => parseAlarmEvent(event)).toThrow(/^event\.detail\.state\.timestamp:/);
  });
});

describe('parseAwsTimestamp', () => {
  it('reads CloudWatch "+0000" offsets and EventBridge "Z" times alike', () => {
    expect(parseAwsTimestamp('2026-11-23T06:30:04.975+0000')?.toISOString()).toBe('2026-11-23T06:30:04.975Z');
    expect(parseAwsTimestamp('2026-11-23T08:30:04.975+0200')?.toISOString()).toBe('2026-11-23T06:30:04.975Z');
    expect(parseAwsTimestamp('2026-11-23T06:30:05Z')?.toISOString()).toBe('2026-11-23T06:30:05.000Z');
    expect(parseAwsTimestamp('23/11/26 06:29')).toBeNull();
  });
});
