import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { createClient } from '../../aws/clients.js';
import { CloudWatchAlarmTags } from '../../aws/cloudWatchSlis.js';
import { CodeDeployDeployments } from '../../aws/codeDeployDeployments.js';
import { parseAlarmEvent } from '../../core/canary/alarmEvent.js';
import { type CanaryConfig, canaryConfigSchema } from '../../core/canary/canaryConfig.js';
import { InputError } from '../../core/errors.js';
import { renderMarkdown } from '../../core/markdown.js';
import { formatDuration } from '../../core/objectives.js';
import { type DrillbookConfig, parseWith } from '../../drillbookConfig.js';
import { runCanaryHalt } from '../../jobs/canary/canaryHalt.js';
import { LocalDeployments } from '../../local/localDeployments.js';
import type { AlarmTags, CanaryDeployments } from '../../ports.js';
import { parseFlags, requireFlag } from '../args.js';
import type { Command } from '../context.js';
import { exitCodeFor } from '../context.js';
import { cliPublishers } from '../publishers.js';
import { optionalConfig } from '../runbookFlag.js';
import { positiveInt } from './rotationFlags.js';

export const canaryHaltCommand: Command = {
  name: 'canary-halt',
  summary: 'halt in-flight CodeDeploy canaries for a saved CloudWatch alarm event',
  help: `usage: drillbook canary-halt --event FILE [--registry FILE] [--config FILE] [--runbook DIR] [--json]
                            [--application APP --deployment-group GROUP] [--alarm-prefix P]
                            [--environment ENV] [--target local|aws]

Runs the canary auto-halt on a saved EventBridge "CloudWatch Alarm State Change" event: if the
alarm guards a deployment group and went into ALARM, every in-flight deployment of that group
(created before the alarm) is stopped with rollback. OK and INSUFFICIENT_DATA are recorded only.
Redelivering the same event, or a second alarm, stops nothing more and is still reported.

  --event FILE          the event JSON (see test/fixtures/canary/)
  --registry FILE       local target: the deployment registry JSON the local adapter reads and
                        updates ({"deployments":[{deploymentId, applicationName,
                        deploymentGroupName, status, createTime, ...}]})
  --target aws          use CodeDeploy and CloudWatch (AWS credentials from the environment)
  --config FILE         drillbook config; its "canary" section maps alarms to deployment groups
  --application, --deployment-group
                        override the config: this group is guarded by --alarm-prefix (or, without
                        it, by the event's own alarm)
  --environment ENV     environment named in the report (default: config, else "local")
  --runbook DIR         runbook folder for the report (default: config's runbook.dir, else ./runbook;
                        --target aws: the S3 runbook, as for every command). The chat summary goes
                        where every command's does: chat.webhookUrl, and stdout unless chat.stdout
                        is false. The report's system: the group's "system", else the config's only
                        system, else the application
  --max-event-age S     refuse an ALARM event whose state change is older than this many seconds
                        (default 3600, the EventBridge rule's maximum event age)

Exit codes: 0 halted or nothing to do, 1 a stop failed, 2 bad input or configuration.`,
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      event: { type: 'string' },
      registry: { type: 'string' },
      runbook: { type: 'string' },
      application: { type: 'string' },
      'deployment-group': { type: 'string' },
      'alarm-prefix': { type: 'string' },
      environment: { type: 'string' },
      'max-event-age': { type: 'string' },
    });
    const maxAgeSeconds =
      positiveInt(values['max-event-age'], 'max-event-age', 1) ?? DEFAULT_MAX_EVENT_AGE_SECONDS;
    const event = readEvent(requireFlag(values.event, 'event'));
    const config = optionalConfig(values.config);
    const canary = withSystemNames(canaryConfig(config?.canary, event, values), config);
    const target = values.target ?? 'local';
    let deployments: CanaryDeployments;
    let alarmTags: AlarmTags;
    if (target === 'local') {
      const local = new LocalDeployments(resolve(requireFlag(values.registry, 'registry')));
      await local.read(); // a missing or malformed registry is bad input, reported before anything runs
      deployments = local;
      alarmTags = local;
    } else if (target === 'aws') {
      deployments = new CodeDeployDeployments(createClient(CodeDeployClient, { purpose: 'canary' }));
      alarmTags = new CloudWatchAlarmTags(createClient(CloudWatchClient, { purpose: 'canary' }));
    } else {
      throw new InputError('--target', `must be "local" or "aws", got "${target}"`);
    }
    refuseStaleAlarm(event, (ctx.now ?? (() => new Date()))(), maxAgeSeconds);
    // The same publishers as every other command: runbook, chat.webhookUrl, chat.stdout.
    const publishers = cliPublishers(ctx, config, { target, runbook: values.runbook, json: values.json });
    const result = await runCanaryHalt(event, { config: canary, deployments, alarmTags, ...publishers });
    if (!result.report) {
      const message = `alarm ${result.transition.alarmName} guards no configured deployment group: nothing to do`;
      if (values.json) ctx.out(JSON.stringify({ action: 'ignored', alarm: result.transition.alarmName }));
      else ctx.out(message);
      return 0;
    }
    if (values.json) ctx.out(JSON.stringify(result.report, null, 2));
    else ctx.out(`${renderMarkdown(result.report)}\nReport: ${result.location}`);
    return exitCodeFor(result.report.outcome === 'failed' ? 'failed' : 'passed');
  },
};

/** The EventBridge rule's MaximumEventAgeInSeconds: an older delivery is dropped there, too. */
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 3600;

/**
 * A saved alarm event is replayed by hand: one older than the maximum age would halt whatever
 * runs now for an alarm long past. Refused as bad input, naming the age.
 */
function refuseStaleAlarm(event: unknown, now: Date, maxAgeSeconds: number): void {
  const transition = parseAlarmEvent(event);
  if (transition.state !== 'ALARM') return;
  const ageSeconds = (now.getTime() - transition.changedAt.getTime()) / 1000;
  if (ageSeconds > maxAgeSeconds) {
    throw new InputError(
      '--event',
      `the alarm changed state ${formatDuration(ageSeconds)} ago (${transition.changedAt.toISOString()}), more than --max-event-age ${formatDuration(maxAgeSeconds)}: refusing to halt for a stale alarm`,
    );
  }
}

function readEvent(file: string): unknown {
  const path = resolve(file);
  if (!existsSync(path)) throw new InputError('--event', `file not found: ${path}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError('--event', `${path} is not valid JSON`, { cause: error });
  }
}

/**
 * The system name a group reports under: its own `system`, else the same group in the config
 * file's canary section (flags rebuild the groups), else the config's only system. Left unset
 * (the job then uses the application) when the config names several systems and the group none.
 */
function withSystemNames(canary: CanaryConfig, config: DrillbookConfig | null): CanaryConfig {
  const only = config?.systems.length === 1 ? config.systems[0]!.name : undefined;
  const groups = canary.groups.map((g) => {
    const system =
      g.system ??
      config?.canary?.groups.find(
        (c) => c.application === g.application && c.deploymentGroup === g.deploymentGroup,
      )?.system ??
      only;
    return system === undefined ? g : { ...g, system };
  });
  return { ...canary, groups };
}

/** The config's canary section, or one built from flags (flags win, for the local demo). */
function canaryConfig(
  fromFile: CanaryConfig | undefined,
  event: unknown,
  flags: {
    application?: string;
    'deployment-group'?: string;
    'alarm-prefix'?: string;
    environment?: string;
  },
): CanaryConfig {
  const app = flags.application;
  const group = flags['deployment-group'];
  if ((app === undefined) !== (group === undefined)) {
    throw new InputError(
      app === undefined ? '--application' : '--deployment-group',
      'is required with the other',
    );
  }
  let config = fromFile;
  if (app !== undefined && group !== undefined) {
    const alarms = flags['alarm-prefix']
      ? { prefixes: [flags['alarm-prefix']] }
      : { names: [parseAlarmEvent(event).alarmName] };
    config = parseWith(
      canaryConfigSchema,
      {
        environment: fromFile?.environment ?? 'local',
        lookbackMinutes: fromFile?.lookbackMinutes,
        groups: [{ application: app, deploymentGroup: group, alarms }],
      },
      'flags',
    );
  }
  if (!config) {
    throw new InputError(
      '--config',
      'needs a "canary" section, or pass --application and --deployment-group',
    );
  }
  return flags.environment ? { ...config, environment: flags.environment } : config;
}
