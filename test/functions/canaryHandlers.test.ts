import { readFileSync } from 'node:fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentInfo } from '../helpers/codeDeployWorld.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/canary/${name}`, import.meta.url), 'utf8'));

// Class-level mocks: they cover the clients the handlers build themselves.
const codeDeploy = mockClient(CodeDeployClient);
const s3 = mockClient(S3Client);
const cloudWatch = mockClient(CloudWatchClient);

const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

beforeAll(() => {
  process.env['DRILLBOOK_CANARY_CONFIG'] = JSON.stringify({
    environment: 'production',
    groups: [
      {
        application: 'checkout',
        deploymentGroup: 'checkout-live',
        alarms: { prefixes: ['checkout-canary-'] },
        hooks: { probes: [] },
      },
    ],
  });
  process.env['DRILLBOOK_RUNBOOK_BUCKET'] = 'drillbook-runbook-test';
  process.env['AWS_REGION'] = 'eu-west-1';
  s3.on(ListObjectsV2Command).resolves({ IsTruncated: false, KeyCount: 0 });
  s3.on(PutObjectCommand).resolves({ ETag: '"0a1b2c"' });
  // Nothing stored yet: S3 answers 404 the way the SDK surfaces it.
  s3.on(HeadObjectCommand).rejects(
    new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }),
  );
  s3.on(GetObjectCommand).rejects(
    new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }),
  );
  codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-CANARY01'] });
  codeDeploy
    .on(GetDeploymentCommand)
    .resolves({ deploymentInfo: deploymentInfo('d-CANARY01', 'InProgress') });
  codeDeploy
    .on(StopDeploymentCommand)
    .resolves({ status: 'Pending', statusMessage: 'Stop request is pending' });
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({ lifecycleEventHookExecutionId: 'x' });
});
afterAll(() => {
  codeDeploy.restore();
  s3.restore();
  cloudWatch.restore();
});

describe('canaryHalt handler', () => {
  it('stops the guarded deployment and stores the report on S3', async () => {
    const { handler } = await import('../../functions/canaryHalt.js');
    const result = await handler(fixture('alarm-state-alarm.json'), context);
    expect(result).toMatchObject({ action: 'acted', stopped: ['d-CANARY01'], outcome: 'passed' });
    expect(codeDeploy.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-CANARY01',
      autoRollbackEnabled: true,
    });
    const keys = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(keys.some((k) => /^drillbook\/reports\/canary-halt\/\d{4}\/\d{2}\/.*\.json$/.test(k ?? ''))).toBe(
      true,
    );
  });

  it('answers a malformed event with a validation error naming the field, without throwing', async () => {
    const { handler } = await import('../../functions/canaryHalt.js');
    const event = fixture('alarm-state-alarm.json');
    delete event.detail.state;
    const before = codeDeploy.commandCalls(StopDeploymentCommand).length;
    const result = await handler(event, context);
    expect(result).toMatchObject({
      action: 'rejected',
      error: expect.stringMatching(/^event\.detail\.state: is required/),
    });
    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(before);
  });
});

describe('canaryBeforeAllowTraffic handler', () => {
  it('answers CodeDeploy with Failed when no probe is configured', async () => {
    const { handler } = await import('../../functions/canaryBeforeAllowTraffic.js');
    const result = await handler(
      { DeploymentId: 'd-CANARY01', LifecycleEventHookExecutionId: 'eyJleGVjdXRpb24iOiIxIn0=' },
      context,
    );
    expect(result).toMatchObject({ status: 'Failed' });
    expect(
      codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).at(-1)?.args[0].input,
    ).toEqual({
      deploymentId: 'd-CANARY01',
      lifecycleEventHookExecutionId: 'eyJleGVjdXRpb24iOiIxIn0=',
      status: 'Failed',
    });
  });

  it('rejects an event without a deployment id', async () => {
    const { handler } = await import('../../functions/canaryAfterAllowTraffic.js');
    const result = await handler({ LifecycleEventHookExecutionId: 'x' }, context);
    expect(result).toMatchObject({
      status: 'rejected',
      error: expect.stringMatching(/^event\.DeploymentId: is required/),
    });
  });

  it('throws when CodeDeploy cannot be answered, so the invocation is retried, after storing the verdict', async () => {
    const { handler } = await import('../../functions/canaryBeforeAllowTraffic.js');
    const denied = Object.assign(
      new Error('User is not authorized to perform: codedeploy:PutLifecycleEventHookExecutionStatus'),
      { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } },
    );
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(denied);
    const puts = s3.commandCalls(PutObjectCommand).length;
    try {
      await expect(
        handler({ DeploymentId: 'd-CANARY01', LifecycleEventHookExecutionId: 'eyJyZXRyeSI6MX0=' }, context),
      ).rejects.toThrow(/not authorized to perform: codedeploy:PutLifecycleEventHookExecutionStatus/);
    } finally {
      codeDeploy
        .on(PutLifecycleEventHookExecutionStatusCommand)
        .resolves({ lifecycleEventHookExecutionId: 'x' });
    }
    const stored = s3
      .commandCalls(PutObjectCommand)
      .slice(puts)
      .map((c) => c.args[0].input)
      .find((i) => /^drillbook\/reports\/canary-verdict\/\d{4}\/\d{2}\/.*\.json$/.test(i.Key ?? ''));
    expect(stored).toBeDefined();
    const report = JSON.parse(String(stored!.Body));
    expect(report.outcome).toBe('failed');
    expect(report.details.summary).toMatch(/could NOT answer Failed to CodeDeploy/);
  });
});
