import { describe, expect, it } from 'vitest';
import { parseZonedTime } from '../../lib/core/zonedTime.js';

const ok = (text: string) => {
  const r = parseZonedTime(text);
  if (!r.ok) throw new Error(r.reason);
  return r.date.toISOString();
};
const reason = (text: string) => {
  const r = parseZonedTime(text);
  return r.ok ? 'accepted' : r.reason;
};

describe('parseZonedTime', () => {
  it('accepts ISO-8601 times with Z or an offset, as that moment', () => {
    expect(ok('2026-11-23T10:15:00Z')).toBe('2026-11-23T10:15:00.000Z');
    expect(ok('2026-11-23T10:15:00.250Z')).toBe('2026-11-23T10:15:00.250Z');
    expect(ok('2026-11-23T10:15:00+01:00')).toBe('2026-11-23T09:15:00.000Z');
    expect(ok('2026-11-23T10:15:00-0230')).toBe('2026-11-23T12:45:00.000Z');
    expect(ok('2026-11-23T10:15+05')).toBe('2026-11-23T05:15:00.000Z');
    expect(ok('2026-11-23 10:15:00Z')).toBe('2026-11-23T10:15:00.000Z');
  });

  it('refuses a time without a zone, saying it needs one', () => {
    expect(reason('2026-11-23T10:15:00')).toMatch(/^needs a time zone \(e\.g\. .*Z or .*\+01:00\)/);
    expect(reason('2026-11-23T10:15')).toMatch(/^needs a time zone/);
  });

  it('refuses what is not an ISO-8601 time at all, or not a real date', () => {
    expect(reason('yesterday')).toMatch(/^must be an ISO-8601 time/);
    expect(reason('2026-11-23')).toMatch(/^must be an ISO-8601 time/);
    expect(reason('1700000000')).toMatch(/^must be an ISO-8601 time/);
    expect(reason('2026-13-45T10:15:00Z')).toMatch(/^is not a valid time/);
  });
});
