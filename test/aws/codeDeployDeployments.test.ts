import {
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { describe, expect, it } from 'vitest';
import { CodeDeployDeployments, CodeDeployShapeError } from '../../lib/aws/codeDeployDeployments.js';
import type { RetryPolicy } from '../../lib/aws/retry.js';
import { AppSpecError } from '../../lib/core/canary/appSpec.js';
import { codeDeployWorld, deploymentInfo } from '../helpers/codeDeployWorld.js';

const noWait: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };

describe('CodeDeployDeployments', () => {
  it('reads every page of ListDeployments and maps GetDeployment, including rollback info', async () => {
    const world = codeDeployWorld(
      [
        deploymentInfo('d-A', 'Stopped', {
          completeTime: new Date('2026-11-23T06:31:00Z'),
          rollbackInfo: { rollbackDeploymentId: 'd-R' },
        }),
        deploymentInfo('d-R', 'InProgress', {
          creator: 'codeDeployRollback',
          rollbackInfo: {
            rollbackTriggeringDeploymentId: 'd-A',
            rollbackMessage: 'Deployment d-A was stopped',
          },
        }),
        deploymentInfo('d-B', 'Baking'),
      ],
      { pageSize: 2 },
    );
    const adapter = new CodeDeployDeployments(world.client, noWait);
    const states = await adapter.recentDeployments(
      'checkout',
      'checkout-live',
      new Date('2026-11-23T00:00:00Z'),
    );
    expect(states.map((s) => [s.deploymentId, s.status, s.rollbackOf])).toEqual([
      ['d-A', 'Stopped', null],
      ['d-R', 'InProgress', 'd-A'],
      ['d-B', 'Baking', null],
    ]);
    expect(world.mock.commandCalls(ListDeploymentsCommand)).toHaveLength(2);
    expect(world.mock.commandCalls(ListDeploymentsCommand)[0]?.args[0].input.createTimeRange?.start).toEqual(
      new Date('2026-11-23T00:00:00Z'),
    );
  });

  it('treats DeploymentAlreadyCompletedException from StopDeployment as already completed', async () => {
    const world = codeDeployWorld([deploymentInfo('d-A', 'Succeeded')]);
    const result = await new CodeDeployDeployments(world.client, noWait).stopDeployment('d-A');
    expect(result.status).toBe('AlreadyCompleted');
    expect(world.mock.commandCalls(StopDeploymentCommand)).toHaveLength(1);
  });

  it('reads Lambda versions from an inline AppSpec and refuses a revision without one', async () => {
    const content = JSON.stringify({
      version: 0.0,
      Resources: [
        {
          fn: {
            Type: 'AWS::Lambda::Function',
            Properties: { Name: 'checkout', Alias: 'live', CurrentVersion: 6, TargetVersion: 7 },
          },
        },
      ],
    });
    const world = codeDeployWorld([
      deploymentInfo('d-STR', 'InProgress', {
        revision: { revisionType: 'String', string: { content, sha256: 'x' } },
      }),
      deploymentInfo('d-S3', 'InProgress', {
        revision: { revisionType: 'S3', s3Location: { bucket: 'b', key: 'k', bundleType: 'zip' } },
      }),
    ]);
    const adapter = new CodeDeployDeployments(world.client, noWait);
    expect(await adapter.versions('d-STR')).toEqual({
      functionName: 'checkout',
      alias: 'live',
      currentVersion: '6',
      targetVersion: '7',
    });
    await expect(adapter.versions('d-S3')).rejects.toThrow(AppSpecError);
  });

  it('refuses a status it does not know instead of guessing', async () => {
    const world = codeDeployWorld([]);
    world.mock.on(GetDeploymentCommand).resolves({
      deploymentInfo: { ...deploymentInfo('d-X', 'InProgress'), status: 'Paused' as never },
    });
    await expect(new CodeDeployDeployments(world.client, noWait).getDeployment('d-X')).rejects.toThrow(
      CodeDeployShapeError,
    );
  });
});
