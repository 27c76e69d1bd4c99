/**
 * Times a person types (--target-time, a state machine's targetTime): ISO-8601 with an explicit
 * zone. A time without one would be read in whatever zone the machine (or Lambda: UTC) runs in,
 * so the same input could mean different moments: it is refused. Pure.
 */
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export const zoneExample = 'e.g. 2026-11-23T10:15:00Z or 2026-11-23T10:15:00+01:00';

export type ZonedTimeResult = { ok: true; date: Date } | { ok: false; reason: string };

export function parseZonedTime(text: string): ZonedTimeResult {
  const m = ISO_TIME.exec(text.trim());
  if (!m) return { ok: false, reason: `must be an ISO-8601 time (${zoneExample}), got "${text}"` };
  if (!m[7]) return { ok: false, reason: `needs a time zone (${zoneExample}), got "${text}"` };
  const normalized = text
    .trim()
    .replace(' ', 'T')
    .replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const date = new Date(/[+-]\d{2}$/.test(normalized) ? `${normalized}:00` : normalized);
  if (Number.isNaN(date.getTime())) return { ok: false, reason: `is not a valid time: "${text}"` };
  return { ok: true, date };
}
