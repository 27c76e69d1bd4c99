import {
  type CodeDeployClient,
  type DeploymentInfo,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { AppSpecError, lambdaVersionsFromAppSpec } from '../core/canary/appSpec.js';
import {
  type DeploymentState,
  type DeploymentVersions,
  type HookStatus,
  isDeploymentStatus,
  type StopResult,
} from '../core/canary/deployments.js';
import { DrillbookError } from '../core/errors.js';
import type { CanaryDeployments } from '../ports.js';
import { defaultRetryPolicy, type RetryPolicy, withThrottleRetry } from './retry.js';

/** CodeDeploy answered with something drillbook cannot interpret. */
export class CodeDeployShapeError extends DrillbookError {}

/** ListDeployments pages read at most (100 ids per page): a bound, not an expected size. */
const maxPages = 20;

/** CanaryDeployments over the CodeDeploy API. Every call is retried on throttling, bounded. */
export class CodeDeployDeployments implements CanaryDeployments {
  constructor(
    private readonly client: CodeDeployClient,
    private readonly retry: RetryPolicy = defaultRetryPolicy,
  ) {}

  async recentDeployments(application: string, group: string, since: Date): Promise<DeploymentState[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const token = nextToken;
      const out = await withThrottleRetry(
        'codedeploy:ListDeployments',
        () =>
          this.client.send(
            new ListDeploymentsCommand({
              applicationName: application,
              deploymentGroupName: group,
              createTimeRange: { start: since },
              ...(token ? { nextToken: token } : {}),
            }),
          ),
        this.retry,
      );
      ids.push(...(out.deployments ?? []));
      nextToken = out.nextToken;
      if (!nextToken) break;
    }
    if (nextToken) {
      throw new CodeDeployShapeError(
        `ListDeployments for ${application}/${group} still had more pages after ${maxPages}; narrow lookbackMinutes`,
      );
    }
    const states: DeploymentState[] = [];
    for (const id of new Set(ids)) states.push(await this.getDeployment(id));
    return states;
  }

  async getDeployment(deploymentId: string): Promise<DeploymentState> {
    return toState(await this.info(deploymentId));
  }

  async versions(deploymentId: string): Promise<DeploymentVersions> {
    const info = await this.info(deploymentId);
    const content = info.revision?.appSpecContent?.content ?? info.revision?.string?.content;
    if (!content) {
      throw new AppSpecError(
        `deployment ${deploymentId} has no inline AppSpec (revisionType ${info.revision?.revisionType ?? 'unknown'})`,
      );
    }
    return lambdaVersionsFromAppSpec(content);
  }

  async stopDeployment(deploymentId: string): Promise<StopResult> {
    try {
      const out = await withThrottleRetry(
        'codedeploy:StopDeployment',
        () => this.client.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true })),
        this.retry,
      );
      const status = out.status === 'Succeeded' ? 'Succeeded' : 'Pending';
      return { status, message: out.statusMessage ?? '' };
    } catch (error) {
      if ((error as { name?: string }).name === 'DeploymentAlreadyCompletedException') {
        return { status: 'AlreadyCompleted', message: (error as Error).message };
      }
      throw error;
    }
  }

  async putHookStatus(deploymentId: string, hookExecutionId: string, status: HookStatus): Promise<void> {
    try {
      await this.sendHookStatus(deploymentId, hookExecutionId, status);
    } catch (error) {
      // A redelivered hook invocation: CodeDeploy already has an answer for this hook execution.
      if ((error as { name?: string }).name === 'LifecycleEventAlreadyCompletedException') return;
      throw error;
    }
  }

  private async sendHookStatus(deploymentId: string, hookExecutionId: string, status: HookStatus) {
    await withThrottleRetry(
      'codedeploy:PutLifecycleEventHookExecutionStatus',
      () =>
        this.client.send(
          new PutLifecycleEventHookExecutionStatusCommand({
            deploymentId,
            lifecycleEventHookExecutionId: hookExecutionId,
            status,
          }),
        ),
      this.retry,
    );
  }

  private async info(deploymentId: string): Promise<DeploymentInfo> {
    const out = await withThrottleRetry(
      'codedeploy:GetDeployment',
      () => this.client.send(new GetDeploymentCommand({ deploymentId })),
      this.retry,
    );
    if (!out.deploymentInfo)
      throw new CodeDeployShapeError(`GetDeployment ${deploymentId}: no deploymentInfo`);
    return out.deploymentInfo;
  }
}

function toState(info: DeploymentInfo): DeploymentState {
  const id = info.deploymentId ?? '(unknown)';
  if (!isDeploymentStatus(info.status)) {
    throw new CodeDeployShapeError(`GetDeployment ${id}: unknown status ${String(info.status)}`);
  }
  return {
    deploymentId: id,
    applicationName: info.applicationName ?? '',
    deploymentGroupName: info.deploymentGroupName ?? '',
    status: info.status,
    createTime: info.createTime ?? null,
    completeTime: info.completeTime ?? null,
    creator: info.creator ?? null,
    rollbackOf: info.rollbackInfo?.rollbackTriggeringDeploymentId ?? null,
  };
}
