import { describe, expect, it } from 'vitest';
import { planRetention } from '../../lib/core/retention.js';

const day = 86_400_000;
const now = new Date('2026-11-23T12:00:00Z');
const backup = (id: string, daysAgo: number) => ({ id, takenAt: new Date(now.getTime() - daysAgo * day) });

describe('planRetention', () => {
  it('keeps backups younger than the maximum age and deletes older ones', () => {
    const plan = planRetention(
      [backup('new', 1), backup('old', 20)],
      { maxAgeDays: 14, keepMonthly: 0 },
      now,
    );
    expect(plan.keep.map((k) => k.item.id)).toEqual(['new']);
    expect(plan.delete.map((d) => d.id)).toEqual(['old']);
  });

  it('keeps the newest backup of each of the last N months beyond the age limit', () => {
    const items = [
      backup('d1', 1),
      backup('oct-late', 25), // 2026-10-29
      backup('oct-early', 45), // 2026-10-09
      backup('sep', 60), // 2026-09-24
      backup('aug', 95), // 2026-08-20
    ];
    const plan = planRetention(items, { maxAgeDays: 14, keepMonthly: 2 }, now);
    expect(plan.keep.map((k) => `${k.item.id}:${k.reason}`)).toEqual([
      'd1:newest',
      'oct-late:monthly',
      'sep:monthly',
    ]);
    expect(plan.delete.map((d) => d.id).sort()).toEqual(['aug', 'oct-early']);
  });

  it('never deletes the newest backup, however old', () => {
    const plan = planRetention([backup('only', 400)], { maxAgeDays: 14, keepMonthly: 0 }, now);
    expect(plan.keep).toEqual([{ item: expect.objectContaining({ id: 'only' }), reason: 'newest' }]);
    expect(plan.delete).toEqual([]);
  });
});
