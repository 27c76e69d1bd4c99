/** Which secrets `list` returns: those with tag `tagKey` (of value `tagValue`, when given) and every pair of `alsoTagged`. */
export interface SecretListFilter {
  tagKey?: string;
  tagValue?: string;
  /** Tags that must also be present with exactly these values (e.g. drillbook:stage). */
  alsoTagged?: Record<string, string>;
}

/**
 * Whether a secret's tags match a list filter exactly: the tag `tagKey` present (with value
 * `tagValue` when given; a `tagValue` alone matches any tag of that value) and every pair of
 * `alsoTagged` present with exactly that value. Secrets Manager's own tag filters match by
 * prefix (`prod` also finds `prod-old`), so its listing is narrowed again with this.
 */
export function matchesTags(tags: Readonly<Record<string, string>>, filter: SecretListFilter): boolean {
  if (filter.tagKey !== undefined && !Object.hasOwn(tags, filter.tagKey)) return false;
  if (filter.tagValue !== undefined) {
    const ok =
      filter.tagKey !== undefined
        ? tags[filter.tagKey] === filter.tagValue
        : Object.values(tags).includes(filter.tagValue);
    if (!ok) return false;
  }
  return Object.entries(filter.alsoTagged ?? {}).every(
    ([key, value]) => Object.hasOwn(tags, key) && tags[key] === value,
  );
}
