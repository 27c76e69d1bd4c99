import { describe, expect, it } from 'vitest';
import type { DeploymentState } from '../../../lib/core/canary/deployments.js';
import { planHalt } from '../../../lib/core/canary/haltPlan.js';

const alarmAt = new Date('2026-11-23T06:30:00Z');

function deployment(id: string, over: Partial<DeploymentState> = {}): DeploymentState {
  return {
    deploymentId: id,
    applicationName: 'checkout',
    deploymentGroupName: 'checkout-live',
    status: 'InProgress',
    createTime: new Date('2026-11-23T06:10:00Z'),
    completeTime: null,
    creator: 'user',
    rollbackOf: null,
    ...over,
  };
}

describe('planHalt', () => {
  it('stops every in-flight status created before the alarm', () => {
    const statuses = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;
    const plan = planHalt(
      statuses.map((s, i) => deployment(`d-${i}`, { status: s })),
      alarmAt,
      new Set(),
    );
    expect(plan.map((p) => p.action)).toEqual(['stop', 'stop', 'stop', 'stop', 'stop']);
  });

  it('reports a deployment that finished before the alarm, and one that finished after it', () => {
    const plan = planHalt(
      [
        deployment('d-early', { status: 'Succeeded', completeTime: new Date('2026-11-23T06:20:00Z') }),
        deployment('d-late', { status: 'Failed', completeTime: new Date('2026-11-23T06:31:00Z') }),
      ],
      alarmAt,
      new Set(),
    );
    expect(plan.map((p) => [p.action, p.reason])).toEqual([
      ['none', 'finished-before-alarm'],
      ['none', 'finished-after-alarm'],
    ]);
  });

  it('never stops a stopped deployment, one already asked to stop, a rollback, or a newer deployment', () => {
    const plan = planHalt(
      [
        deployment('d-stopped', { status: 'Stopped', completeTime: new Date('2026-11-23T06:30:02Z') }),
        deployment('d-stopping'),
        deployment('d-rollback', { creator: 'codeDeployRollback', rollbackOf: 'd-stopped' }),
        deployment('d-new', { createTime: new Date('2026-11-23T06:45:00Z') }),
      ],
      alarmAt,
      new Set(['d-stopping']),
    );
    expect(plan.map((p) => [p.deployment.deploymentId, p.action, p.reason])).toEqual([
      ['d-stopped', 'none', 'already-stopped'],
      ['d-stopping', 'none', 'already-stopping'],
      ['d-rollback', 'none', 'rollback-deployment'],
      ['d-new', 'none', 'created-after-alarm'],
    ]);
  });
});
