import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, ListTagsForResourceCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarmTags } from '../../../lib/aws/cloudWatchSlis.js';
import { CodeDeployDeployments } from '../../../lib/aws/codeDeployDeployments.js';
import type { RetryPolicy } from '../../../lib/aws/retry.js';
import { type CanaryConfig, canaryConfigSchema } from '../../../lib/core/canary/canaryConfig.js';
import { InputError } from '../../../lib/core/errors.js';
import type { Report } from '../../../lib/core/report.js';
import { type HaltedDeployment, runCanaryHalt } from '../../../lib/jobs/canary/canaryHalt.js';
import { ConsoleChat } from '../../../lib/local/consoleChat.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';
import { codeDeployWorld, deploymentInfo, throttlingError } from '../../helpers/codeDeployWorld.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/canary/${name}`, import.meta.url), 'utf8'));

function entriesOf(report: Report | null): HaltedDeployment[] {
  return (report?.details?.['deployments'] ?? []) as HaltedDeployment[];
}

/** Retries without real waiting; the bound is what the tests check. */
const noWait: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };

const config: CanaryConfig = canaryConfigSchema.parse({
  groups: [
    {
      application: 'checkout',
      deploymentGroup: 'checkout-live',
      alarms: { prefixes: ['checkout-canary-'] },
    },
  ],
});

let root: string;
let runbook: FolderRunbookStore;
let chatLines: string[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'drillbook-canary-'));
  runbook = new FolderRunbookStore(root);
  chatLines = [];
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function deps(world: ReturnType<typeof codeDeployWorld>, over: Partial<CanaryConfig> = {}) {
  return {
    config: { ...config, ...over },
    deployments: new CodeDeployDeployments(world.client, noWait),
    runbook,
    chat: new ConsoleChat((t) => chatLines.push(t)),
    warn: (m: string) => chatLines.push(`warn: ${m}`),
  };
}

const inFlightWorld = () =>
  codeDeployWorld([
    deploymentInfo('d-FINISHED1', 'Succeeded', {
      createTime: new Date('2026-11-23T05:00:00.000Z'),
      completeTime: new Date('2026-11-23T05:40:00.000Z'),
    }),
    deploymentInfo('d-CANARY01', 'InProgress'),
    deploymentInfo('d-OTHERGRP', 'InProgress', { deploymentGroupName: 'checkout-admin' }),
  ]);

describe('runCanaryHalt on the AWS adapters', () => {
  it('stops the in-flight deployment once, with rollback, and reports time-to-halt', async () => {
    const world = inFlightWorld();
    const result = await runCanaryHalt(fixture('alarm-state-alarm.json'), deps(world));

    const stops = world.mock.commandCalls(StopDeploymentCommand);
    expect(stops.map((c) => c.args[0].input)).toEqual([
      { deploymentId: 'd-CANARY01', autoRollbackEnabled: true },
    ]);
    // Two deployments in the group, one per page: the adapter followed nextToken.
    expect(world.mock.commandCalls(ListDeploymentsCommand).map((c) => c.args[0].input.nextToken)).toEqual([
      undefined,
      'token-1',
    ]);
    expect(result.action).toBe('acted');
    expect(result.stopped).toEqual(['d-CANARY01']);
    const report = result.report!;
    expect(report.kind).toBe('canary-halt');
    expect(report.outcome).toBe('passed');
    const entries = entriesOf(report);
    const canary = entries.find((e) => e.deploymentId === 'd-CANARY01')!;
    expect(canary).toMatchObject({ action: 'stop', stopStatus: 'Pending', statusBefore: 'InProgress' });
    const expected = (Date.parse(canary.stopRequestedAt!) - Date.parse('2026-11-23T06:30:04.975Z')) / 1000;
    expect(canary.timeToHaltSeconds).toBeCloseTo(expected, 3);
    expect(report.details?.['alarm']).toMatchObject({ name: 'checkout-canary-error-rate', state: 'ALARM' });
    // Stored in the runbook and announced in chat.
    expect(await runbook.getReport(report.id)).not.toBeNull();
    expect(chatLines.join('\n')).toMatch(/halted d-CANARY01 with rollback/);
  });

  it('reports a deployment that finished before the alarm as such, and does not touch it', async () => {
    const world = inFlightWorld();
    const result = await runCanaryHalt(fixture('alarm-state-alarm.json'), deps(world));
    const finished = entriesOf(result.report).find((e) => e.deploymentId === 'd-FINISHED1');
    expect(finished).toMatchObject({ action: 'none', reason: 'finished-before-alarm' });
    expect(result.report!.checks.find((c) => c.name === 'deployment d-FINISHED1')?.outcome).toBe('skipped');
    expect(world.mock.commandCalls(StopDeploymentCommand)).toHaveLength(1);
  });

  it('does nothing more on redelivery while the stop is still pending, but still reports', async () => {
    const world = inFlightWorld(); // StopDeployment answers Pending: the deployment stays InProgress
    const event = fixture('alarm-state-alarm.json');
    await runCanaryHalt(event, deps(world));
    const again = await runCanaryHalt(event, deps(world));

    expect(world.mock.commandCalls(StopDeploymentCommand)).toHaveLength(1);
    expect(again.action).toBe('acted');
    expect(again.stopped).toEqual([]);
    expect(again.report!.checks.find((c) => c.name === 'redelivery')?.outcome).toBe('skipped');
    const entry = entriesOf(again.report).find((e) => e.deploymentId === 'd-CANARY01');
    expect(entry).toMatchObject({ action: 'none', reason: 'already-stopping' });
    expect(await runbook.listReports({ kind: 'canary-halt' })).toHaveLength(2);
  });

  it('treats a second alarm for a deployment that is already stopped as a reported no-op', async () => {
    const world = codeDeployWorld([deploymentInfo('d-CANARY01', 'InProgress')], { stopStatus: 'Succeeded' });
    await runCanaryHalt(fixture('alarm-state-alarm.json'), deps(world));
    const second = fixture('alarm-state-alarm.json');
    second.id = '9a1d6b0e-0c55-4d7e-8e0f-1b2c3d4e5f60';
    second.detail.alarmName = 'checkout-canary-p95-latency';
    second.resources = ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-canary-p95-latency'];
    const result = await runCanaryHalt(second, deps(world));
    expect(world.mock.commandCalls(StopDeploymentCommand)).toHaveLength(1);
    expect(result.report!.outcome).toBe('passed');
    expect(entriesOf(result.report)[0]).toMatchObject({
      deploymentId: 'd-CANARY01',
      reason: 'already-stopped',
    });
  });

  it('records OK and INSUFFICIENT_DATA without calling CodeDeploy or chat', async () => {
    const world = inFlightWorld();
    for (const name of ['alarm-state-ok.json', 'alarm-state-insufficient-data.json']) {
      const result = await runCanaryHalt(fixture(name), deps(world));
      expect(result.action).toBe('recorded');
      expect(result.report!.checks.find((c) => c.name === 'halt')?.outcome).toBe('skipped');
    }
    expect(world.mock.calls()).toHaveLength(0);
    expect(chatLines).toEqual([]);
    expect(await runbook.listReports({ kind: 'canary-halt' })).toHaveLength(2);
  });

  it('ignores an alarm that guards no configured deployment group', async () => {
    const world = inFlightWorld();
    const event = fixture('alarm-state-alarm.json');
    event.detail.alarmName = 'billing-queue-depth';
    const result = await runCanaryHalt(event, deps(world));
    expect(result).toMatchObject({ action: 'ignored', report: null });
    expect(world.mock.calls()).toHaveLength(0);
  });

  it('retries throttled CodeDeploy calls and still halts', async () => {
    const world = inFlightWorld();
    const list = world.mock.commandCalls.bind(world.mock);
    world.mock
      .on(ListDeploymentsCommand)
      .rejectsOnce(throttlingError())
      .rejectsOnce(throttlingError())
      .resolvesOnce({ deployments: ['d-CANARY01'] });
    world.mock.on(StopDeploymentCommand).rejectsOnce(throttlingError()).resolves({ status: 'Pending' });
    const result = await runCanaryHalt(fixture('alarm-state-alarm.json'), deps(world));
    expect(list(ListDeploymentsCommand)).toHaveLength(3);
    expect(list(StopDeploymentCommand)).toHaveLength(2);
    expect(result.stopped).toEqual(['d-CANARY01']);
    expect(result.report!.outcome).toBe('passed');
  });

  it('gives up after the bounded attempts and reports the halt as failed', async () => {
    const world = inFlightWorld();
    world.mock.on(StopDeploymentCommand).rejects(throttlingError());
    const result = await runCanaryHalt(fixture('alarm-state-alarm.json'), deps(world));
    expect(world.mock.commandCalls(StopDeploymentCommand)).toHaveLength(noWait.attempts);
    expect(result.report!.outcome).toBe('failed');
    expect(result.report!.reason).toMatch(/StopDeployment failed after 4 attempt/);
    expect(result.stopped).toEqual([]);
    expect(chatLines.join('\n')).toMatch(/could NOT stop d-CANARY01/);
  });

  it('fails the run, without a stop, when listing deployments keeps failing', async () => {
    const world = inFlightWorld();
    world.mock.on(GetDeploymentCommand).rejects(throttlingError());
    const result = await runCanaryHalt(fixture('alarm-state-alarm.json'), deps(world));
    expect(result.report!.outcome).toBe('failed');
    expect(world.mock.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  it('matches a guardrail by alarm tag through cloudwatch:ListTagsForResource', async () => {
    const world = inFlightWorld();
    const cw = new CloudWatchClient({ region: 'eu-west-1', maxAttempts: 1 });
    const cwMock = mockClient(cw);
    cwMock.on(ListTagsForResourceCommand).resolves({
      Tags: [
        { Key: 'drillbook:guardrail', Value: 'checkout' },
        { Key: 'team', Value: 'payments' },
      ],
    });
    const byTag = canaryConfigSchema.parse({
      groups: [
        {
          application: 'checkout',
          deploymentGroup: 'checkout-live',
          alarms: { tags: { 'drillbook:guardrail': 'checkout' } },
        },
      ],
    });
    const event = fixture('alarm-state-alarm.json');
    event.detail.alarmName = 'some-team-alarm';
    event.resources = ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:some-team-alarm'];
    const result = await runCanaryHalt(event, {
      ...deps(world),
      config: byTag,
      alarmTags: new CloudWatchAlarmTags(cw, noWait),
    });
    expect(cwMock.commandCalls(ListTagsForResourceCommand)[0]?.args[0].input).toEqual({
      ResourceARN: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:some-team-alarm',
    });
    expect(result.stopped).toEqual(['d-CANARY01']);
  });

  it('rejects an event that is not an alarm state change with an InputError', async () => {
    const world = inFlightWorld();
    await expect(runCanaryHalt({ source: 'aws.codedeploy' }, deps(world))).rejects.toThrow(InputError);
    expect(world.mock.calls()).toHaveLength(0);
  });
});
