import { describe, expect, it } from 'vitest';
import { canaryConfigSchema, defaultThresholds } from '../../../lib/core/canary/canaryConfig.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { parseConfig } from '../../../lib/drillbookConfig.js';

const system = { name: 'shop', database: { sourceUrl: 'postgres://localhost/shop' } };

describe('canary config', () => {
  it('is an optional top-level field of the drillbook config, with runbook defaults', () => {
    expect(parseConfig({ systems: [system] }).canary).toBeUndefined();
    const config = parseConfig({
      systems: [system],
      canary: {
        groups: [
          {
            application: 'checkout',
            deploymentGroup: 'checkout-live',
            alarms: { prefixes: ['checkout-canary-'] },
            hooks: { sli: { dimensions: { FunctionName: 'checkout', Resource: 'checkout:live' } } },
          },
        ],
      },
    });
    const group = config.canary?.groups[0];
    expect(group?.hooks?.thresholds).toEqual(defaultThresholds);
    expect(defaultThresholds.maxErrorRate).toBe(0.05);
    expect(group?.hooks?.sli).toMatchObject({ namespace: 'AWS/Lambda', versionDimension: 'ExecutedVersion' });
    expect(config.canary?.lookbackMinutes).toBe(180);
  });

  it('names the field of a bad value', () => {
    const bad = (canary: unknown) => () => parseConfig({ systems: [system], canary });
    expect(bad({ groups: [] })).toThrow(/^canary\.groups: must list at least one/);
    expect(bad({ groups: [{ application: 'a', deploymentGroup: 'g', alarms: {} }] })).toThrow(
      /^canary\.groups\.0\.alarms: must name at least one alarm/,
    );
    expect(
      bad({
        groups: [
          {
            application: 'a',
            deploymentGroup: 'g',
            alarms: { names: ['x'] },
            hooks: { thresholds: { maxErrorRate: 5 } },
          },
        ],
      }),
    ).toThrow(ConfigError);
    expect(
      bad({
        groups: [
          {
            application: 'a',
            deploymentGroup: 'g',
            alarms: { names: ['x'] },
            hooks: { probes: [{ name: 'p', url: 'nope' }] },
          },
        ],
      }),
    ).toThrow(/^canary\.groups\.0\.hooks\.probes\.0\.url:/);
  });

  it('parses on its own for the Lambda functions', () => {
    const c = canaryConfigSchema.parse({
      groups: [{ application: 'a', deploymentGroup: 'g', alarms: { names: ['x'] } }],
    });
    expect(c.groups[0]?.alarms).toEqual({ names: ['x'], prefixes: [], tags: {} });
  });
});
