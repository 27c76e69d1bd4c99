import { describe, expect, it } from 'vitest';
import { parseAlarmEvent } from '../../../lib/core/canary/alarmEvent.js';
import { InputError } from '../../../lib/core/errors.js';

const event = () => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2026-11-23T06:30:05Z',
  region: 'eu-west-1',
  resources: ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a'],
  detail: {
    alarmName: 'a',
    state: { value: 'ALARM', reason: 'r', timestamp: '2026-11-23T06:30:04.975+0000' },
  },
});

function messageOf(input: unknown): string {
  try {
    parseAlarmEvent(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('validation messages', () => {
  it('say "required" for a missing field, of any type (string, literal, enum, object)', () => {
    const cases: [string, (e: ReturnType<typeof event>) => void][] = [
      ['event.id', (e) => Reflect.deleteProperty(e, 'id')],
      ['event.detail-type', (e) => Reflect.deleteProperty(e, 'detail-type')],
      ['event.detail.state.value', (e) => Reflect.deleteProperty(e.detail.state, 'value')],
      ['event.detail', (e) => Reflect.deleteProperty(e, 'detail')],
    ];
    for (const [field, remove] of cases) {
      const e = event();
      remove(e);
      const message = messageOf(e);
      expect(message).toContain(`${field}: is required`);
      expect(message).not.toMatch(/Invalid option|received undefined/);
    }
  });

  it('keep the rule for a field that is present but wrong', () => {
    const e = event();
    (e.detail.state as { value: string }).value = 'RED';
    expect(messageOf(e)).toMatch(/event\.detail\.state\.value: Invalid option/);
  });
});
