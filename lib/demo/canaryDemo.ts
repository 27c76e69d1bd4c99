import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AlarmState, AlarmStateChangeEvent } from '../core/canary/alarmEvent.js';
import { canaryConfigSchema } from '../core/canary/canaryConfig.js';
import { type CanaryHaltResult, runCanaryHalt } from '../jobs/canary/canaryHalt.js';
import { LocalDeployments, type LocalRegistry, localRegistrySchema } from '../local/localDeployments.js';
import type { Chat, RunbookStore } from '../ports.js';

/**
 * Helpers for showing a canary halt on one machine (used by `drillbook demo` and the tests):
 * a real-shaped "CloudWatch Alarm State Change" event and a local deployment registry with an
 * in-flight canary.
 */

/** CloudWatch's own timestamp format in alarm events: "2026-11-23T06:30:04.975+0000". */
export function cloudWatchTimestamp(at: Date): string {
  return at.toISOString().replace('Z', '+0000');
}

export interface AlarmEventOptions {
  alarmName: string;
  state: AlarmState;
  previousState?: AlarmState;
  /** When the alarm changed state (detail.state.timestamp). */
  at: Date;
  account?: string;
  region?: string;
  id?: string;
  reason?: string;
}

/** A "CloudWatch Alarm State Change" event exactly as EventBridge delivers it. */
export function alarmStateChangeEvent(o: AlarmEventOptions): AlarmStateChangeEvent {
  const account = o.account ?? '123456789012';
  const region = o.region ?? 'eu-west-1';
  const previous = o.previousState ?? (o.state === 'ALARM' ? 'OK' : 'ALARM');
  const earlier = new Date(o.at.getTime() - 20 * 60_000);
  return {
    version: '0',
    id: o.id ?? randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account,
    time: new Date(Math.floor(o.at.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region,
    resources: [`arn:aws:cloudwatch:${region}:${account}:alarm:${o.alarmName}`],
    detail: {
      alarmName: o.alarmName,
      state: {
        value: o.state,
        reason:
          o.reason ??
          (o.state === 'ALARM'
            ? 'Threshold Crossed: 1 out of the last 1 datapoints [7.2] was greater than the threshold (5.0).'
            : o.state === 'OK'
              ? 'Threshold Crossed: 1 out of the last 1 datapoints [0.4] was not greater than the threshold (5.0).'
              : 'Insufficient Data: 1 datapoint was unknown.'),
        timestamp: cloudWatchTimestamp(o.at),
      },
      previousState: {
        value: previous,
        reason: `Previous state ${previous}`,
        timestamp: cloudWatchTimestamp(earlier),
      },
      configuration: {
        description: 'Canary error rate above 5 % (product runbook guardrail)',
        metrics: [],
      },
    },
  };
}

export interface DemoRegistryOptions {
  application: string;
  deploymentGroup: string;
  /** The in-flight canary's id. */
  deploymentId?: string;
  /** When the canary started (default: 12 minutes before `now`). */
  now?: Date;
}

/** A registry with yesterday's finished deployment and an in-flight Canary10Percent30Minutes. */
export async function createLocalRegistry(file: string, o: DemoRegistryOptions): Promise<LocalDeployments> {
  const now = o.now ?? new Date();
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
  const registry: LocalRegistry = localRegistrySchema.parse({
    deployments: [
      {
        deploymentId: 'd-PREVIOUS01',
        applicationName: o.application,
        deploymentGroupName: o.deploymentGroup,
        status: 'Succeeded',
        createTime: minutesAgo(150),
        completeTime: minutesAgo(118),
        versions: { functionName: o.application, alias: 'live', currentVersion: '5', targetVersion: '6' },
      },
      {
        deploymentId: o.deploymentId ?? 'd-CANARY0001',
        applicationName: o.application,
        deploymentGroupName: o.deploymentGroup,
        status: 'InProgress',
        createTime: minutesAgo(12),
        versions: { functionName: o.application, alias: 'live', currentVersion: '6', targetVersion: '7' },
      },
    ],
  });
  const deployments = new LocalDeployments(file);
  await deployments.write(registry);
  return deployments;
}

export interface LocalCanaryHaltDemo {
  result: CanaryHaltResult;
  registryFile: string;
  eventFile: string;
  deploymentId: string;
}

/**
 * The canary-halt part of `drillbook demo`: writes a registry with an in-flight canary and an ALARM
 * event into `workDir`, then runs the same halt job the Lambda runs, on the local adapters.
 */
export async function runLocalCanaryHaltDemo(options: {
  workDir: string;
  runbook: RunbookStore;
  chat?: Chat;
  system?: string;
  now?: () => Date;
}): Promise<LocalCanaryHaltDemo> {
  const now = options.now ?? (() => new Date());
  const application = options.system ?? 'checkout';
  const deploymentGroup = `${application}-live`;
  const deploymentId = 'd-CANARY0001';
  await mkdir(options.workDir, { recursive: true });
  const registryFile = join(options.workDir, 'canary-deployments.json');
  const eventFile = join(options.workDir, 'canary-alarm-event.json');
  const deployments = await createLocalRegistry(registryFile, {
    application,
    deploymentGroup,
    deploymentId,
    now: now(),
  });
  const alarmName = `${application}-canary-error-rate`;
  const event = alarmStateChangeEvent({ alarmName, state: 'ALARM', at: new Date(now().getTime() - 1500) });
  await writeFile(eventFile, `${JSON.stringify(event, null, 2)}\n`);
  const config = canaryConfigSchema.parse({
    environment: 'demo',
    groups: [
      { application, deploymentGroup, system: application, alarms: { prefixes: [`${application}-canary-`] } },
    ],
  });
  const result = await runCanaryHalt(event, {
    config,
    deployments,
    alarmTags: deployments,
    runbook: options.runbook,
    ...(options.chat ? { chat: options.chat } : {}),
    now,
  });
  return { result, registryFile, eventFile, deploymentId };
}
