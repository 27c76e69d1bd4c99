import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { canaryConfigSchema } from '../../lib/core/canary/canaryConfig.js';

const require = createRequire(import.meta.url);
const derive = require('../../config/canary.serverless.cjs') as (canary: unknown) => {
  configJson: string;
  eventPattern: { detail: { alarmName?: unknown[] } };
  haltStatements: { Action: string[]; Resource: unknown }[];
  hookStatements: { Action: string[]; Resource: unknown }[];
};

const withConfig = async (config: unknown) => derive(config);

describe('serverless wiring for the canary functions', () => {
  it('ships a config the functions accept, an alarm-name pattern and group-scoped IAM', () => {
    const out = derive(JSON.parse(readFileSync('config/canary.example.json', 'utf8')));
    expect(canaryConfigSchema.safeParse(JSON.parse(out.configJson)).success).toBe(true);
    expect(out.eventPattern.detail.alarmName).toEqual([
      'checkout-p95-latency',
      { prefix: 'checkout-canary-' },
    ]);
    const all = [...out.haltStatements, ...out.hookStatements];
    expect(all.flatMap((s) => s.Action).some((a) => a.includes('*'))).toBe(false);
    // Only GetMetricData (which has no resource-level permissions) gets Resource "*".
    expect(all.filter((s) => s.Resource === '*').flatMap((s) => s.Action)).toEqual([
      'cloudwatch:GetMetricData',
    ]);
    expect(JSON.stringify(out.haltStatements)).toContain(':deploymentgroup:checkout/checkout-live');
    expect(out.haltStatements[0]?.Action).toContain('codedeploy:StopDeployment');
  });

  it('drops the name filter and allows tag reads when a group matches alarms by tag', async () => {
    const out = await withConfig({
      groups: [
        { application: 'billing', deploymentGroup: 'live', alarms: { tags: { guardrail: 'billing' } } },
      ],
    });
    expect(out.eventPattern.detail.alarmName).toBeUndefined();
    expect(out.haltStatements.flatMap((s) => s.Action)).toContain('cloudwatch:ListTagsForResource');
  });

  it('refuses a deployment group name that would widen an ARN', async () => {
    await expect(
      withConfig({ groups: [{ application: 'billing', deploymentGroup: '*', alarms: { names: ['x'] } }] }),
    ).rejects.toThrow(/groups\.0\.deploymentGroup must be a CodeDeploy name/);
  });
});
