import {
  CodeDeployClient,
  CodeDeployServiceException,
  type DeploymentInfo,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';

/** A throttling error as the SDK v3 raises it for CodeDeploy (HTTP 400, retryable). */
export function throttlingError(): CodeDeployServiceException {
  const error = new CodeDeployServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: {
      httpStatusCode: 400,
      requestId: 'b0c6a3b2-7a1e-4f5e-9d1c-3a1f2b3c4d5e',
      attempts: 1,
      totalRetryDelay: 0,
    },
    message: 'Rate exceeded',
  });
  Object.assign(error, { $retryable: { throttling: true } });
  return error;
}

/**
 * A small, stateful CodeDeploy behind aws-sdk-client-mock, answering with the real API shapes:
 * ListDeployments pages of `pageSize` ids with nextToken, GetDeployment deploymentInfo, and
 * StopDeployment returning `stopStatus` (Pending keeps the deployment InProgress, as a real stop
 * takes a while; Succeeded marks it Stopped). `throttledStops` StopDeployment calls are throttled first.
 */
export function codeDeployWorld(
  deployments: DeploymentInfo[],
  opts: { pageSize?: number; stopStatus?: 'Pending' | 'Succeeded'; throttledStops?: number } = {},
) {
  let throttledStops = opts.throttledStops ?? 0;
  const client = new CodeDeployClient({ region: 'eu-west-1', maxAttempts: 1 });
  const mock = mockClient(client);
  const byId = new Map(deployments.map((d) => [d.deploymentId!, d]));
  const pageSize = opts.pageSize ?? 1;
  mock.on(ListDeploymentsCommand).callsFake((input) => {
    const start = input.createTimeRange?.start?.getTime() ?? 0;
    const ids = [...byId.values()]
      .filter(
        (d) =>
          d.applicationName === input.applicationName &&
          d.deploymentGroupName === input.deploymentGroupName &&
          (d.createTime?.getTime() ?? 0) >= start,
      )
      .map((d) => d.deploymentId!);
    const offset = input.nextToken ? Number(input.nextToken.replace('token-', '')) : 0;
    const page = ids.slice(offset, offset + pageSize);
    const next = offset + pageSize < ids.length ? `token-${offset + pageSize}` : undefined;
    return { deployments: page, ...(next ? { nextToken: next } : {}), $metadata: { httpStatusCode: 200 } };
  });
  mock.on(GetDeploymentCommand).callsFake((input) => {
    const d = byId.get(input.deploymentId);
    if (!d) {
      throw new CodeDeployServiceException({
        name: 'DeploymentDoesNotExistException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: `The deployment ${input.deploymentId} could not be found`,
      });
    }
    return { deploymentInfo: structuredClone(d), $metadata: { httpStatusCode: 200 } };
  });
  mock.on(StopDeploymentCommand).callsFake((input) => {
    if (throttledStops > 0) {
      throttledStops--;
      throw throttlingError();
    }
    const d = byId.get(input.deploymentId)!;
    if (['Succeeded', 'Failed', 'Stopped'].includes(d.status ?? '')) {
      throw new CodeDeployServiceException({
        name: 'DeploymentAlreadyCompletedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: `The deployment ${d.deploymentId} has already completed.`,
      });
    }
    const status = opts.stopStatus ?? 'Pending';
    if (status === 'Succeeded') {
      d.status = 'Stopped';
      d.completeTime = new Date();
    }
    return {
      status,
      statusMessage: status === 'Pending' ? 'Stop request is pending' : 'Deployment stopped',
      $metadata: { httpStatusCode: 200 },
    };
  });
  mock.on(PutLifecycleEventHookExecutionStatusCommand).callsFake((input) => ({
    lifecycleEventHookExecutionId: input.lifecycleEventHookExecutionId,
    $metadata: { httpStatusCode: 200 },
  }));
  const stopThrottling = () => {
    throttledStops = 0;
  };
  return { client, mock, byId, stopThrottling };
}

export function deploymentInfo(
  id: string,
  status: NonNullable<DeploymentInfo['status']>,
  over: Partial<DeploymentInfo> = {},
): DeploymentInfo {
  return {
    applicationName: 'checkout',
    deploymentGroupName: 'checkout-live',
    deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent30Minutes',
    deploymentId: id,
    status,
    creator: 'user',
    createTime: new Date('2026-11-23T06:12:00.000Z'),
    computePlatform: 'Lambda',
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    ...over,
  };
}
