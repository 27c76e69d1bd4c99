import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';

const codeDeploy = mockClient(CodeDeployClient);
afterAll(() => codeDeploy.restore());

describe('canary hook handler with a broken configuration', () => {
  it('still answers CodeDeploy with Failed, then fails loudly naming the field', async () => {
    process.env['AWS_REGION'] = 'eu-west-1';
    process.env['DRILLBOOK_RUNBOOK_BUCKET'] = 'drillbook-runbook-test';
    process.env['DRILLBOOK_CANARY_CONFIG'] = JSON.stringify({ groups: [{ application: 'checkout' }] });
    codeDeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .resolves({ lifecycleEventHookExecutionId: 'h-1' });
    const { handler } = await import('../../functions/canaryAfterAllowTraffic.js');
    const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
    await expect(
      handler({ DeploymentId: 'd-CANARY01', LifecycleEventHookExecutionId: 'h-1' }, context),
    ).rejects.toThrow(/^DRILLBOOK_CANARY_CONFIG\.groups\.0\.deploymentGroup:/);
    expect(codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-CANARY01',
      lifecycleEventHookExecutionId: 'h-1',
      status: 'Failed',
    });
  });
});
