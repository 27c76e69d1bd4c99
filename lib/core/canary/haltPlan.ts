import { type DeploymentState, inFlightStatuses } from './deployments.js';

const rollbackCreators = new Set(['codeDeployRollback', 'CloudFormationRollback']);

export type HaltReason =
  | 'in-flight'
  | 'already-stopping'
  | 'already-stopped'
  | 'finished-before-alarm'
  | 'finished-after-alarm'
  | 'created-after-alarm'
  | 'rollback-deployment';

export interface HaltDecision {
  deployment: DeploymentState;
  action: 'stop' | 'none';
  reason: HaltReason;
  detail: string;
}

/**
 * What to do with each recent deployment of a guarded group when a guardrail alarm fires. Pure:
 * the same inputs always give the same plan, which is what makes a redelivered event a no-op.
 *
 * - stop only deployments that are in flight and were created before the alarm fired (a late
 *   redelivery must never stop a newer, unrelated deployment);
 * - never stop a rollback deployment (it is the cure, not the disease);
 * - a deployment this job already asked to stop (`alreadyRequested`) is "already stopping";
 * - finished deployments are reported as finished before or after the alarm.
 */
export function planHalt(
  deployments: readonly DeploymentState[],
  alarmAt: Date,
  alreadyRequested: ReadonlySet<string>,
): HaltDecision[] {
  return deployments.map((d) => decide(d, alarmAt, alreadyRequested));
}

function decide(d: DeploymentState, alarmAt: Date, alreadyRequested: ReadonlySet<string>): HaltDecision {
  const none = (reason: HaltReason, detail: string): HaltDecision => ({
    deployment: d,
    action: 'none',
    reason,
    detail,
  });
  if (rollbackCreators.has(d.creator ?? '') || d.rollbackOf !== null) {
    return none(
      'rollback-deployment',
      `rollback of ${d.rollbackOf ?? 'a stopped deployment'}; never stopped by drillbook`,
    );
  }
  if (d.status === 'Stopped') return none('already-stopped', `status Stopped${atTime(d.completeTime)}`);
  if (d.status === 'Succeeded' || d.status === 'Failed') {
    const before = d.completeTime !== null && d.completeTime.getTime() <= alarmAt.getTime();
    return before
      ? none(
          'finished-before-alarm',
          `${d.status}${atTime(d.completeTime)}, before the alarm; nothing to stop`,
        )
      : none('finished-after-alarm', `${d.status}${atTime(d.completeTime)}, after the alarm fired`);
  }
  if (d.createTime !== null && d.createTime.getTime() > alarmAt.getTime()) {
    return none(
      'created-after-alarm',
      `created${atTime(d.createTime)}, after the alarm; not this alarm's canary`,
    );
  }
  if (alreadyRequested.has(d.deploymentId)) {
    return none('already-stopping', `status ${d.status}; a stop was already requested by drillbook`);
  }
  if (inFlightStatuses.includes(d.status)) {
    return { deployment: d, action: 'stop', reason: 'in-flight', detail: `status ${d.status}` };
  }
  return none('already-stopped', `status ${d.status}`);
}

function atTime(date: Date | null): string {
  return date ? ` at ${date.toISOString()}` : '';
}
