/**
 * Retention: keep everything younger than `maxAgeDays`; of the older ones keep the newest backup
 * of each of the last `keepMonthly` calendar months (UTC); never delete the newest backup.
 * Pure: returns what to keep and what to delete, with the reason for each kept item.
 */
export interface RetentionPolicy {
  maxAgeDays: number;
  keepMonthly: number;
}

export interface Dated {
  id: string;
  takenAt: Date;
}

export interface RetentionPlan<T extends Dated> {
  keep: { item: T; reason: 'recent' | 'monthly' | 'newest' }[];
  delete: T[];
}

export function planRetention<T extends Dated>(
  items: readonly T[],
  policy: RetentionPolicy,
  now: Date,
): RetentionPlan<T> {
  const sorted = [...items].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
  const cutoff = now.getTime() - policy.maxAgeDays * 86_400_000;
  const keep: RetentionPlan<T>['keep'] = [];
  const del: T[] = [];
  const monthsKept = new Set<string>();
  for (const [index, item] of sorted.entries()) {
    const month = item.takenAt.toISOString().slice(0, 7);
    if (index === 0) {
      keep.push({ item, reason: 'newest' });
      monthsKept.add(month);
    } else if (item.takenAt.getTime() >= cutoff) {
      keep.push({ item, reason: 'recent' });
      monthsKept.add(month);
    } else if (!monthsKept.has(month) && monthlyCount(keep) < policy.keepMonthly) {
      keep.push({ item, reason: 'monthly' });
      monthsKept.add(month);
    } else {
      del.push(item);
    }
  }
  return { keep, delete: del };
}

function monthlyCount(keep: { reason: string }[]): number {
  return keep.filter((k) => k.reason === 'monthly').length;
}
