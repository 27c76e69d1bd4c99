import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployServiceException,
  type DeploymentInfo,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchSlis } from '../../../lib/aws/cloudWatchSlis.js';
import { CodeDeployDeployments } from '../../../lib/aws/codeDeployDeployments.js';
import { lambdaInvokeAttempt } from '../../../lib/aws/lambdaInvokeProbe.js';
import type { RetryPolicy } from '../../../lib/aws/retry.js';
import { canaryConfigSchema } from '../../../lib/core/canary/canaryConfig.js';
import {
  type CanaryHookDeps,
  runAfterAllowTraffic,
  runBeforeAllowTraffic,
} from '../../../lib/jobs/canary/canaryHooks.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';
import { httpAttempt, RetryingSmokeProber } from '../../../lib/probes/smokeProber.js';
import { codeDeployWorld, deploymentInfo, throttlingError } from '../../helpers/codeDeployWorld.js';

const noWait: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };
const hook = { deploymentId: 'd-CANARY01', hookExecutionId: 'eyJlbmNyeXB0ZWREYXRhIjoiZXhhbXBsZSJ9' };
const now = new Date('2026-11-23T07:00:00.000Z');

const appSpec = JSON.stringify({
  version: 0.0,
  Resources: [
    {
      checkoutFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: { Name: 'checkout', Alias: 'live', CurrentVersion: '6', TargetVersion: '7' },
      },
    },
  ],
  Hooks: [{ BeforeAllowTraffic: 'drillbook-prod-canaryBeforeAllowTraffic' }],
});

const lambdaDeployment = (over: Partial<DeploymentInfo> = {}) =>
  deploymentInfo('d-CANARY01', 'InProgress', {
    createTime: new Date('2026-11-23T06:20:00.000Z'),
    revision: {
      revisionType: 'AppSpecContent',
      appSpecContent: {
        content: appSpec,
        sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      },
    },
    ...over,
  });

let server: Server;
let baseUrl: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/health' || req.url === '/v/7/health') res.writeHead(200).end('ok');
    else if (req.url === '/ready') res.writeHead(503).end('warming up');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'drillbook-hooks-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

type Traffic = { requests: number; errors: number; p95: number } | null;

/** GetMetricData answering per version (ExecutedVersion dimension), in two pages, real shapes. */
function cloudWatch(byVersion: Record<string, Traffic>) {
  const client = new CloudWatchClient({ region: 'eu-west-1', maxAttempts: 1 });
  const mock = mockClient(client);
  mock.on(GetMetricDataCommand).callsFake((input) => {
    const minutes = 30;
    const half = input.NextToken ? [15, 30] : [0, 15];
    const results = (input.MetricDataQueries as MetricDataQuery[]).map((q) => {
      const version =
        q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'ExecutedVersion')?.Value ?? '';
      const t = byVersion[version];
      const timestamps: Date[] = [];
      const values: number[] = [];
      if (t) {
        for (let i = half[0]!; i < half[1]!; i++) {
          timestamps.push(new Date(input.StartTime!.getTime() + i * 60_000));
          const value =
            q.Id === 'requests' ? t.requests / minutes : q.Id === 'errors' ? t.errors / minutes : t.p95;
          values.push(value);
        }
      }
      return {
        Id: q.Id,
        Label: q.MetricStat?.Metric?.MetricName,
        Timestamps: timestamps,
        Values: values,
        // As CloudWatch: a page that leaves datapoints for the next one says PartialData.
        StatusCode: input.NextToken ? ('Complete' as const) : ('PartialData' as const),
      };
    });
    return {
      MetricDataResults: results,
      Messages: [],
      ...(input.NextToken ? {} : { NextToken: 'page-2' }),
      $metadata: { httpStatusCode: 200 },
    };
  });
  return { client, mock };
}

const config = canaryConfigSchema.parse({
  groups: [
    {
      application: 'checkout',
      deploymentGroup: 'checkout-live',
      alarms: { prefixes: ['checkout-canary-'] },
      hooks: {
        sli: { dimensions: { FunctionName: 'checkout', Resource: 'checkout:live' }, windowMinutes: 30 },
        probes: [{ name: 'health', url: 'http://127.0.0.1:1/health', attempts: 1 }],
      },
    },
  ],
});

function deps(
  world: ReturnType<typeof codeDeployWorld>,
  cw: ReturnType<typeof cloudWatch> | null,
  over: Partial<CanaryHookDeps> = {},
): CanaryHookDeps {
  return {
    config,
    deployments: new CodeDeployDeployments(world.client, noWait),
    ...(cw ? { slis: new CloudWatchSlis(cw.client, noWait) } : {}),
    prober: new RetryingSmokeProber({ http: httpAttempt(fetch) }, 1),
    runbook: new FolderRunbookStore(root),
    now: () => now,
    warn: () => {},
    ...over,
  };
}

const answers = (world: ReturnType<typeof codeDeployWorld>) =>
  world.mock.commandCalls(PutLifecycleEventHookExecutionStatusCommand).map((c) => c.args[0].input);

describe('AfterAllowTraffic', () => {
  it('fails the hook on a clear error-rate regression of the canary version', async () => {
    const world = codeDeployWorld([lambdaDeployment()]);
    const cw = cloudWatch({
      '7': { requests: 3000, errors: 240, p95: 210 },
      '6': { requests: 27000, errors: 54, p95: 205 },
    });
    const result = await runAfterAllowTraffic(hook, deps(world, cw));
    expect(result.status).toBe('Failed');
    expect(answers(world)).toEqual([
      { deploymentId: 'd-CANARY01', lifecycleEventHookExecutionId: hook.hookExecutionId, status: 'Failed' },
    ]);
    expect(result.report.kind).toBe('canary-verdict');
    expect(result.report.checks.find((c) => c.name === 'error rate')?.outcome).toBe('failed');
    // The window is the 30 minutes before the hook (the deployment is older), and both pages were read.
    const first = cw.mock.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(first.StartTime?.toISOString()).toBe('2026-11-23T06:30:00.000Z');
    expect(cw.mock.commandCalls(GetMetricDataCommand)).toHaveLength(4);
    expect(result.report.details?.['judge']).toMatchObject({
      canary: { version: '7', requests: 3000 },
      baseline: { version: '6', requests: 27000 },
    });
  });

  it('lets traffic through when canary and baseline SLIs are equal', async () => {
    const world = codeDeployWorld([lambdaDeployment()]);
    const cw = cloudWatch({
      '7': { requests: 3000, errors: 6, p95: 205 },
      '6': { requests: 27000, errors: 54, p95: 205 },
    });
    const result = await runAfterAllowTraffic(hook, deps(world, cw));
    expect(result.status).toBe('Succeeded');
    expect(answers(world)[0]?.status).toBe('Succeeded');
    expect(result.report.outcome).toBe('passed');
  });

  it('fails the hook as inconclusive when CloudWatch has no data for the canary', async () => {
    const world = codeDeployWorld([lambdaDeployment()]);
    const cw = cloudWatch({ '7': null, '6': { requests: 27000, errors: 54, p95: 205 } });
    const result = await runAfterAllowTraffic(hook, deps(world, cw));
    expect(result.report.outcome).toBe('inconclusive');
    expect(answers(world)[0]?.status).toBe('Failed');
    // Its own report kind, with a headline that says what happened (not "Canary halt").
    expect(result.report.kind).toBe('canary-verdict');
    expect(result.report.details?.['summary']).toMatch(
      /^Canary verdict INCONCLUSIVE: answered Failed, CodeDeploy rolls back/,
    );
  });

  it('stops the background retries of the other metric read once the hook has answered', async () => {
    const world = codeDeployWorld([lambdaDeployment()]);
    const cw = cloudWatch({});
    const versionOf = (input: { MetricDataQueries?: MetricDataQuery[] }) =>
      input.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'ExecutedVersion')
        ?.Value;
    cw.mock.on(GetMetricDataCommand).callsFake(async (input) => {
      // The canary's read is refused outright; the baseline's is throttled, again and again.
      if (versionOf(input) === '7') {
        throw Object.assign(new Error('User is not authorized to perform: cloudwatch:GetMetricData'), {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 403 },
        });
      }
      throw throttlingError();
    });
    const tick = () => new Promise<void>((r) => setTimeout(r, 1));
    // A long retry budget and a sleep that ignores the signal: only the abort can end the loop.
    const patient: RetryPolicy = { attempts: 10_000, baseDelayMs: 1, maxDelayMs: 1, sleep: tick };
    const baselineCalls = () =>
      cw.mock.commandCalls(GetMetricDataCommand).filter((c) => versionOf(c.args[0].input) === '6').length;
    const result = await runAfterAllowTraffic(
      hook,
      deps(world, null, { slis: new CloudWatchSlis(cw.client, patient) }),
    );
    expect(result.status).toBe('Failed');
    const atAnswer = baselineCalls();
    for (let i = 0; i < 30; i++) await tick();
    expect(baselineCalls()).toBeLessThanOrEqual(atAnswer + 1);
  });

  it('still answers Failed when the judge itself errors', async () => {
    const world = codeDeployWorld([lambdaDeployment()]);
    const cw = cloudWatch({});
    cw.mock.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: cloudwatch:GetMetricData'), {
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const result = await runAfterAllowTraffic(hook, deps(world, cw));
    expect(result.status).toBe('Failed');
    expect(answers(world)[0]?.status).toBe('Failed');
    expect(result.report.reason).toMatch(/not authorized/);
  });

  it('answers Failed for a deployment group it has no config for', async () => {
    const world = codeDeployWorld([lambdaDeployment({ deploymentGroupName: 'unknown-group' })]);
    const result = await runAfterAllowTraffic(hook, deps(world, cloudWatch({})));
    expect(answers(world)[0]?.status).toBe('Failed');
    expect(result.report.reason).toMatch(/canary\.groups: no entry for checkout\/unknown-group/);
  });

  it('retries a throttled answer to CodeDeploy and treats an already-answered hook as done', async () => {
    const world = codeDeployWorld([lambdaDeployment()]);
    const cw = cloudWatch({
      '7': { requests: 3000, errors: 6, p95: 205 },
      '6': { requests: 27000, errors: 54, p95: 205 },
    });
    world.mock
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejectsOnce(throttlingError())
      .rejectsOnce(
        new CodeDeployServiceException({
          name: 'LifecycleEventAlreadyCompletedException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: 'The lifecycle event is already completed.',
        }),
      );
    const result = await runAfterAllowTraffic(hook, deps(world, cw));
    expect(answers(world)).toHaveLength(2);
    expect(result.status).toBe('Succeeded');
    expect(result.report.outcome).toBe('passed');
  });

  it('throws after publishing when CodeDeploy cannot be answered at all, so the invocation is retried', async () => {
    const world = codeDeployWorld([lambdaDeployment()]);
    world.mock.on(PutLifecycleEventHookExecutionStatusCommand).rejects(throttlingError());
    const store = new FolderRunbookStore(root);
    await expect(runAfterAllowTraffic(hook, deps(world, cloudWatch({}), { runbook: store }))).rejects.toThrow(
      /PutLifecycleEventHookExecutionStatus failed after 4 attempt/,
    );
    const [report] = await store.listReports({ kind: 'canary-verdict' });
    expect(report?.outcome).toBe('failed');
    expect(report?.details?.['summary']).toMatch(
      /Canary verdict INCONCLUSIVE: could NOT answer Failed to CodeDeploy/,
    );
  });
});

describe('BeforeAllowTraffic', () => {
  const withProbes = (probes: unknown[]) =>
    canaryConfigSchema.parse({
      groups: [
        {
          application: 'checkout',
          deploymentGroup: 'checkout-live',
          alarms: { names: ['x'] },
          hooks: { probes },
        },
      ],
    });

  it('passes when every smoke probe answers as expected (version substituted in the URL)', async () => {
    const world = codeDeployWorld([lambdaDeployment()]);
    const config = withProbes([
      { name: 'health', url: `${baseUrl}/health` },
      { name: 'new version', url: `${baseUrl}/v/{version}/health` },
    ]);
    const result = await runBeforeAllowTraffic(hook, deps(world, null, { config }));
    expect(result.report.checks.map((c) => [c.name, c.outcome])).toEqual([
      ['probe health', 'passed'],
      ['probe new version', 'passed'],
    ]);
    expect(answers(world)[0]?.status).toBe('Succeeded');
  });

  /** Invoke's Payload as the SDK returns it: bytes that can also turn themselves into text. */
  const blob = (text: string) =>
    Object.assign(new TextEncoder().encode(text), { transformToString: () => text });

  it('test-invokes the new Lambda version and fails the hook on a function error', async () => {
    const lambda = mockClient(LambdaClient);
    try {
      lambda
        .on(InvokeCommand, { FunctionName: 'checkout', Qualifier: '7' })
        .resolvesOnce({
          StatusCode: 200,
          FunctionError: 'Unhandled',
          ExecutedVersion: '7',
          Payload: blob('{"errorType":"Error","errorMessage":"boom"}'),
        })
        .resolves({
          StatusCode: 200,
          ExecutedVersion: '7',
          Payload: blob('{"ok":true}'),
        });
      const probe = {
        name: 'invoke',
        invoke: { functionName: 'checkout', expectPayloadContains: '"ok":true' },
      };
      const prober = new RetryingSmokeProber(
        { http: httpAttempt(fetch), invoke: lambdaInvokeAttempt(new LambdaClient({ region: 'eu-west-1' })) },
        1,
      );

      const failing = await runBeforeAllowTraffic(
        hook,
        deps(codeDeployWorld([lambdaDeployment()]), null, {
          config: withProbes([{ ...probe, attempts: 1 }]),
          prober,
        }),
      );
      expect(failing.status).toBe('Failed');
      expect(failing.report.checks[0]?.detail).toBe(
        'invoke checkout:7: function error Unhandled (version 7) after 1 attempt(s)',
      );

      const passing = await runBeforeAllowTraffic(
        hook,
        deps(codeDeployWorld([lambdaDeployment()]), null, { config: withProbes([probe]), prober }),
      );
      expect(passing.status).toBe('Succeeded');
      expect(passing.report.checks[0]?.detail).toMatch(
        /^invoke checkout:7 -> 200 in \d+ms \(version 7\) \(attempt 1\)$/,
      );
      expect(lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input.Qualifier)).toEqual(['7', '7']);
    } finally {
      lambda.restore();
    }
  });

  it('fails when a readiness probe keeps answering 503, after its bounded attempts', async () => {
    const world = codeDeployWorld([lambdaDeployment()]);
    const config = withProbes([
      { name: 'health', url: `${baseUrl}/health` },
      { name: 'ready', url: `${baseUrl}/ready`, attempts: 2 },
    ]);
    const result = await runBeforeAllowTraffic(hook, deps(world, null, { config }));
    expect(result.report.checks.find((c) => c.name === 'probe ready')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringMatching(/got 503, expected 200 after 2 attempt/),
    });
    expect(answers(world)[0]?.status).toBe('Failed');
  });

  it('fails when nothing answers (connection refused)', async () => {
    const world = codeDeployWorld([lambdaDeployment()]);
    const result = await runBeforeAllowTraffic(hook, deps(world, null)); // probe on port 1
    expect(answers(world)[0]?.status).toBe('Failed');
    expect(result.report.outcome).toBe('failed');
  });

  it('fails as inconclusive when no probe is configured: nothing verified is not a pass', async () => {
    const world = codeDeployWorld([lambdaDeployment()]);
    const result = await runBeforeAllowTraffic(hook, deps(world, null, { config: withProbes([]) }));
    expect(result.report.outcome).toBe('inconclusive');
    expect(answers(world)[0]?.status).toBe('Failed');
  });
});
