import type { CanaryConfig, CanaryGroup } from './canaryConfig.js';

/** Does any group match alarms by tag? Only then are the alarm's tags worth a lookup. */
export function needsAlarmTags(config: CanaryConfig): boolean {
  return config.groups.some((g) => Object.keys(g.alarms.tags).length > 0);
}

/**
 * The deployment groups an alarm guards: by exact name, by prefix, or by tags (all listed tags
 * present with their values). `tags` is null when they were not looked up.
 */
export function groupsGuardedBy(
  config: CanaryConfig,
  alarmName: string,
  tags: Readonly<Record<string, string>> | null,
): CanaryGroup[] {
  return config.groups.filter((g) => {
    if (g.alarms.names.includes(alarmName)) return true;
    if (g.alarms.prefixes.some((p) => alarmName.startsWith(p))) return true;
    const wanted = Object.entries(g.alarms.tags);
    return tags !== null && wanted.length > 0 && wanted.every(([k, v]) => tags[k] === v);
  });
}
