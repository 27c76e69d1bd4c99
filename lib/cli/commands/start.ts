import { randomBytes } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createClient } from '../../aws/clients.js';
import { type FollowResult, startAndFollow } from '../../aws/executionFollower.js';
import { defaultRetryPolicy } from '../../aws/retry.js';
import { InputError } from '../../core/errors.js';
import { describeExecutionEvent } from '../../core/executionHistory.js';
import { loadConfig } from '../../drillbookConfig.js';
import type { StateMachineName } from '../../local/stateMachineRunner.js';
import { intFlag, parseFlags } from '../args.js';
import { type Command, type CommandContext, exitCodes } from '../context.js';
import { machineArgument, readInput } from './run.js';

const ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

export interface StartDeps {
  /** The Step Functions client for a region (default: lib/aws/clients.ts, bounded adaptive retries). */
  client?: (region: string) => SFNClient;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** An execution name Step Functions accepts (1-80 of [A-Za-z0-9_-]), unique per start. */
function executionName(machine: StateMachineName, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `cli-${machine}-${stamp}-${randomBytes(3).toString('hex')}`;
}

function boundedFlag(value: string | undefined, flag: string, fallback: number, min: number, max: number) {
  const n = intFlag(value, flag) ?? fallback;
  if (n < min || n > max) throw new InputError(`--${flag}`, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** The ARN: --arn, else the config's stateMachines.<name>. */
function machineArn(
  machine: StateMachineName,
  arn: string | undefined,
  configFile: string | undefined,
): string {
  if (arn !== undefined) {
    if (!ARN.test(arn)) throw new InputError('--arn', 'must be a state machine ARN');
    return arn;
  }
  if (!configFile) {
    throw new InputError(
      '--config',
      `is required (its stateMachines.${machine} names the deployed ARN), or give --arn`,
    );
  }
  const configured = loadConfig(configFile).stateMachines?.[machine];
  if (!configured) {
    throw new InputError(
      `stateMachines.${machine}`,
      'is not set in the config: give the deployed ARN (or --arn)',
    );
  }
  return configured;
}

function finish(machine: string, result: FollowResult, json: boolean, ctx: CommandContext): number {
  const passed = result.status === 'SUCCEEDED' && (result.report?.outcome ?? 'passed') === 'passed';
  if (json) {
    ctx.out(JSON.stringify({ machine, ...result }, null, 2));
  } else {
    ctx.out(
      `${machine}: ${result.status}${result.timedOut ? ' (stopped following: --timeout-minutes passed)' : ''}`,
    );
    if (result.error) ctx.out(`error: ${[result.error, result.cause].filter(Boolean).join(': ')}`);
    ctx.out(
      result.report
        ? `report: ${result.report.location}${result.report.outcome ? ` (${result.report.outcome})` : ''}`
        : 'report: none recorded in the execution (see its history in the Step Functions console)',
    );
    ctx.out(`execution: ${result.executionArn}`);
  }
  if (result.timedOut) {
    ctx.err(
      `${machine} is still running after --timeout-minutes; it was not stopped: ${result.executionArn}`,
    );
  }
  return passed ? exitCodes.passed : exitCodes.failed;
}

export function createStartCommand(deps: StartDeps = {}): Command {
  return {
    name: 'start',
    summary: 'start a deployed state machine on AWS (StartExecution) and follow it state by state',
    help: `usage: drillbook start <backup|restore-drill|replay-rehearsal> --target aws --input JSON|@FILE
                      [--config FILE | --arn ARN] [--name NAME] [--poll-seconds N] [--timeout-minutes N] [--json]

Calls StartExecution on the state machine deployed in your AWS account (credentials from the usual
AWS environment), then follows it: each state entered and exited is a progress line (stderr), and
at the end it prints the status and where the run's report landed in the runbook store (S3).
This is the deployed workflow with the deployed Lambdas; \`drillbook run\` instead interprets the
same ASL on this machine.

  --input JSON|@FILE    execution input, validated as \`drillbook run\` validates it (default {})
  --config FILE         its stateMachines.{backup,restore-drill,replay-rehearsal} give the ARNs
                        (from the stack's outputs or \`aws stepfunctions list-state-machines\`)
  --arn ARN             the state machine ARN instead of the config's
  --name NAME           execution name (default cli-<machine>-<UTC time>-<random>); starting again
                        with the same name and input joins that execution instead of a new one
  --poll-seconds N      pause between polls, 1-300 (default 10)
  --timeout-minutes N   stop following after N minutes, 1-2880 (default 360); the execution keeps
                        running and the command exits 1

Exit codes: 0 the execution succeeded with a passed report; 1 it failed, was inconclusive, timed
out, was aborted, or following timed out; 2 bad input or configuration.`,
    async run(argv, ctx) {
      const { values, positionals } = parseFlags(
        argv,
        {
          input: { type: 'string' },
          arn: { type: 'string' },
          name: { type: 'string' },
          'poll-seconds': { type: 'string' },
          'timeout-minutes': { type: 'string' },
        },
        true,
      );
      const machine = machineArgument(positionals);
      if (values.target !== 'aws') {
        throw new InputError(
          '--target',
          'start runs the deployed state machine: give --target aws (drillbook run interprets it here)',
        );
      }
      const input = readInput(values.input, machine);
      const pollMs = boundedFlag(values['poll-seconds'], 'poll-seconds', 10, 1, 300) * 1000;
      const timeoutMs = boundedFlag(values['timeout-minutes'], 'timeout-minutes', 360, 1, 2880) * 60_000;
      if (values.name !== undefined && !/^[A-Za-z0-9_-]{1,80}$/.test(values.name)) {
        throw new InputError('--name', 'must be 1-80 letters, digits, "-" or "_"');
      }
      const arn = machineArn(machine, values.arn, values.config ?? process.env['DRILLBOOK_CONFIG']);
      const region = ARN.exec(arn)![1]!;
      const now = deps.now ?? Date.now;
      const client = deps.client ? deps.client(region) : createClient(SFNClient, { region });
      const executionNameUsed = values.name ?? executionName(machine, now());
      ctx.progress.step(`${machine}: starting ${executionNameUsed} on ${arn}`);
      const result = await startAndFollow(
        client,
        { stateMachineArn: arn, name: executionNameUsed, input },
        {
          pollMs,
          timeoutMs,
          now,
          signal: ctx.signal,
          ...(deps.sleep
            ? { sleep: deps.sleep, startRetry: { ...defaultRetryPolicy, sleep: deps.sleep } }
            : {}),
          onEvent: (event) => {
            const line = describeExecutionEvent(event);
            if (line) ctx.progress.step(`${machine}: ${line}`);
          },
        },
      );
      return finish(machine, result, values.json, ctx);
    },
  };
}

export const startCommand: Command = createStartCommand();
