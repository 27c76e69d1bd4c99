import { describe, expect, it } from 'vitest';
import { canaryConfigSchema } from '../../../lib/core/canary/canaryConfig.js';
import { groupsGuardedBy, needsAlarmTags } from '../../../lib/core/canary/guardrails.js';

const config = canaryConfigSchema.parse({
  groups: [
    { application: 'checkout', deploymentGroup: 'live', alarms: { names: ['checkout-p95'] } },
    { application: 'search', deploymentGroup: 'live', alarms: { prefixes: ['search-canary-'] } },
    { application: 'billing', deploymentGroup: 'live', alarms: { tags: { guardrail: 'billing' } } },
  ],
});

describe('groupsGuardedBy', () => {
  it('matches by exact name, by prefix and by tags', () => {
    expect(groupsGuardedBy(config, 'checkout-p95', null).map((g) => g.application)).toEqual(['checkout']);
    expect(groupsGuardedBy(config, 'search-canary-errors', null).map((g) => g.application)).toEqual([
      'search',
    ]);
    expect(groupsGuardedBy(config, 'any', { guardrail: 'billing' }).map((g) => g.application)).toEqual([
      'billing',
    ]);
  });

  it('matches nothing for an unrelated alarm, a near-miss name, or wrong tag values', () => {
    expect(groupsGuardedBy(config, 'checkout-p95-old', null)).toEqual([]);
    expect(groupsGuardedBy(config, 'search-errors', null)).toEqual([]);
    expect(groupsGuardedBy(config, 'any', { guardrail: 'checkout' })).toEqual([]);
    expect(groupsGuardedBy(config, 'any', null)).toEqual([]);
  });

  it('asks for tags only when some group matches by tag', () => {
    expect(needsAlarmTags(config)).toBe(true);
    expect(
      needsAlarmTags(
        canaryConfigSchema.parse({
          groups: [{ application: 'a', deploymentGroup: 'g', alarms: { names: ['x'] } }],
        }),
      ),
    ).toBe(false);
  });
});
