import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStartCommand } from '../../lib/cli/commands/start.js';
import { capturedContext } from '../helpers/commandContext.js';

/**
 * `drillbook start` against a mocked Step Functions API answering with the real shapes: the
 * execution's history grows with every DescribeExecution, GetExecutionHistory pages by
 * maxResults/nextToken (newest first with reverseOrder), like the service.
 */
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:drillbook-restore-drill-prod';
const LOCATION = 's3://drillbook-runbook/drillbook/reports/restore-drill/2026/12/drill-1.json';

const meta = {
  httpStatusCode: 400,
  requestId: '0f0f0f0f-1111-4000-8000-000000000000',
  attempts: 1,
  totalRetryDelay: 0,
};
const throttling = () =>
  new SFNServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    message: 'Rate exceeded',
    $metadata: meta,
  });

class FakeExecution {
  readonly sfn = mockClient(SFNClient);
  readonly events: HistoryEvent[] = [];
  revealed = 0;
  starts: { name?: string | undefined; input?: string | undefined }[] = [];
  historyCalls = 0;
  private readonly throttles = new Map<string, number>();

  constructor(
    states: [type: string, name: string, data?: string][],
    private readonly final: { status: string; output?: string; error?: string; cause?: string },
    private readonly revealPerPoll: number,
  ) {
    const started = new Date('2026-12-01T06:00:00Z');
    const add = (e: Omit<HistoryEvent, 'id' | 'timestamp'>) =>
      this.events.push({
        ...e,
        id: this.events.length + 1,
        previousEventId: this.events.length,
        timestamp: new Date(started.getTime() + this.events.length * 1000),
      } as HistoryEvent);
    add({
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input: '{}', roleArn: 'arn:aws:iam::123456789012:role/sfn' },
    });
    for (const [kind, name, data] of states) {
      add({
        type: `${kind}StateEntered`,
        stateEnteredEventDetails: { name, input: data ?? '{}' },
      } as HistoryEvent);
      if (kind === 'Task') {
        add({
          type: 'TaskScheduled',
          taskScheduledEventDetails: {
            resourceType: 'lambda',
            resource: 'invoke',
            region: 'eu-west-1',
            parameters: '{}',
          },
        });
        add({
          type: 'TaskSucceeded',
          taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: data ?? '{}' },
        });
      }
      if (kind !== 'Fail')
        add({
          type: `${kind}StateExited`,
          stateExitedEventDetails: { name, output: data ?? '{}' },
        } as HistoryEvent);
    }
    if (final.status === 'SUCCEEDED')
      add({ type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: final.output } });
    else
      add({
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: final.error, cause: final.cause },
      });
    this.install();
  }

  throttleNext(operation: string, count: number) {
    this.throttles.set(operation, count);
  }

  private throttled(operation: string): boolean {
    const left = this.throttles.get(operation) ?? 0;
    if (left <= 0) return false;
    this.throttles.set(operation, left - 1);
    return true;
  }

  private install() {
    this.sfn.on(StartExecutionCommand).callsFake((input) => {
      this.starts.push({ name: input.name, input: input.input });
      if (this.throttled('StartExecution')) throw throttling();
      return {
        executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:${input.name}`,
        startDate: new Date(),
      };
    });
    this.sfn.on(DescribeExecutionCommand).callsFake((input) => {
      if (this.throttled('DescribeExecution')) throw throttling();
      this.revealed = Math.min(this.events.length, this.revealed + this.revealPerPoll);
      const done = this.revealed === this.events.length;
      return {
        executionArn: input.executionArn,
        stateMachineArn: ARN,
        name: input.executionArn.split(':').at(-1),
        status: done ? this.final.status : 'RUNNING',
        startDate: new Date('2026-12-01T06:00:00Z'),
        input: '{}',
        ...(done && this.final.output ? { output: this.final.output } : {}),
        ...(done && this.final.error ? { error: this.final.error, cause: this.final.cause } : {}),
      };
    });
    this.sfn.on(GetExecutionHistoryCommand).callsFake((input) => {
      this.historyCalls += 1;
      const visible = this.events.slice(0, this.revealed);
      const ordered = input.reverseOrder ? [...visible].reverse() : visible;
      const from = input.nextToken ? Number(input.nextToken) : 0;
      const to = from + (input.maxResults || 100);
      return { events: ordered.slice(from, to), ...(to < ordered.length ? { nextToken: String(to) } : {}) };
    });
  }
}

const reportResult = (outcome: string) =>
  JSON.stringify({ result: { reportId: 'drill-1', outcome, location: LOCATION } });

/** A restore drill that polls `loops` times before the restore is ready. */
function drill(loops: number, outcome: string): [string, string, string?][] {
  const states: [string, string, string?][] = [
    ['Pass', 'Prepare'],
    ['Task', 'RestoreDrillStart'],
  ];
  for (let i = 0; i < loops; i++)
    states.push(['Wait', 'WaitForRestore'], ['Task', 'RestoreDrillPoll'], ['Choice', 'RestoreReady']);
  states.push(
    ['Task', 'RestoreDrillVerify'],
    ['Task', 'RestoreDrillTeardown'],
    ['Task', 'RestoreDrillReport', reportResult(outcome)],
    ['Choice', 'DrillPassed', reportResult(outcome)],
  );
  return states;
}

let dir: string;
let fake: FakeExecution | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'drillbook-start-'));
});
afterEach(() => {
  fake?.sfn.restore();
  rmSync(dir, { recursive: true, force: true });
});

function configFile(): string {
  const file = join(dir, 'drillbook.json');
  writeFileSync(
    file,
    JSON.stringify({
      systems: [{ name: 'shop', database: { sourceUrl: 'postgresql://db/shop' } }],
      stateMachines: { 'restore-drill': ARN },
    }),
  );
  return file;
}

function command() {
  let clock = Date.parse('2026-12-01T06:00:00Z');
  const sleeps: number[] = [];
  const cmd = createStartCommand({
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });
  return { cmd, sleeps };
}

describe('drillbook start --target aws', () => {
  it('starts the configured machine, follows every state across history pages and prints the report', async () => {
    fake = new FakeExecution(
      drill(80, 'passed'),
      { status: 'SUCCEEDED', output: reportResult('passed') },
      150,
    );
    const { cmd, sleeps } = command();
    const { ctx, out, steps } = capturedContext();
    const code = await cmd.run(
      ['restore-drill', '--target', 'aws', '--config', configFile(), '--input', '{"mask":false}'],
      ctx,
    );
    expect(code).toBe(0);
    expect(fake.starts).toHaveLength(1);
    expect(JSON.parse(fake.starts[0]!.input!)).toEqual({ mask: false });
    expect(fake.starts[0]!.name).toMatch(/^cli-restore-drill-20261201T060000-[0-9a-f]{6}$/);
    // Every state entered and exited exactly once, in order, though the history took several pages.
    const entered = steps.filter((s) => s.includes(': entered '));
    expect(entered).toHaveLength(2 + 80 * 3 + 4);
    expect(entered.slice(0, 3)).toEqual([
      'restore-drill: entered Prepare (Pass)',
      'restore-drill: entered RestoreDrillStart (Task)',
      'restore-drill: entered WaitForRestore (Wait)',
    ]);
    expect(steps.filter((s) => s.includes(': exited '))).toHaveLength(entered.length);
    expect(steps.at(-1)).toBe('restore-drill: ExecutionSucceeded');
    expect(fake.historyCalls).toBeGreaterThan(Math.ceil(fake.events.length / 200));
    expect(sleeps.every((ms) => ms === 10_000)).toBe(true);
    expect(out).toContain(`report: ${LOCATION} (passed)`);
    expect(out[0]).toBe('restore-drill: SUCCEEDED');
  });

  it('exits 1 on a FAILED execution and still names the report, from the Fail state input', async () => {
    fake = new FakeExecution(
      [...drill(1, 'inconclusive'), ['Fail', 'DrillFailed', reportResult('inconclusive')]],
      {
        status: 'FAILED',
        error: 'DrillFailed',
        cause: 'the drill report says failed or inconclusive: see the runbook store',
      },
      1000,
    );
    const { cmd } = command();
    const { ctx, out, steps } = capturedContext();
    const code = await cmd.run(
      ['restore-drill', '--target', 'aws', '--arn', ARN, '--poll-seconds', '2'],
      ctx,
    );
    expect(code).toBe(1);
    expect(out[0]).toBe('restore-drill: FAILED');
    expect(out).toContain(
      'error: DrillFailed: the drill report says failed or inconclusive: see the runbook store',
    );
    expect(out).toContain(`report: ${LOCATION} (inconclusive)`);
    expect(steps).toContain('restore-drill: entered DrillFailed (Fail)');
    expect(steps.at(-1)).toMatch(/^restore-drill: ExecutionFailed: DrillFailed: /);
  });

  it('retries a throttled StartExecution with the same name, and a throttled poll at the next interval', async () => {
    fake = new FakeExecution(drill(2, 'passed'), { status: 'SUCCEEDED', output: reportResult('passed') }, 5);
    fake.throttleNext('StartExecution', 1);
    fake.throttleNext('DescribeExecution', 2);
    const { cmd } = command();
    const { ctx, steps } = capturedContext();
    expect(
      await cmd.run(['restore-drill', '--target', 'aws', '--arn', ARN, '--name', 'on-call-1'], ctx),
    ).toBe(0);
    expect(fake.starts.map((s) => s.name)).toEqual(['on-call-1', 'on-call-1']);
    expect(steps.filter((s) => s === 'restore-drill: entered RestoreDrillReport (Task)')).toHaveLength(1);
  });

  it('gives up after five throttled polls in a row instead of polling forever', async () => {
    fake = new FakeExecution(drill(2, 'passed'), { status: 'SUCCEEDED', output: reportResult('passed') }, 5);
    fake.throttleNext('DescribeExecution', 100);
    const { cmd } = command();
    const { ctx } = capturedContext();
    await expect(cmd.run(['restore-drill', '--target', 'aws', '--arn', ARN], ctx)).rejects.toThrow(
      /5 polls in a row failed/,
    );
  });

  it('stops following after --timeout-minutes without stopping the execution, exit 1', async () => {
    fake = new FakeExecution(
      drill(200, 'passed'),
      { status: 'SUCCEEDED', output: reportResult('passed') },
      1,
    );
    const { cmd, sleeps } = command();
    const { ctx, out, err } = capturedContext();
    const code = await cmd.run(
      ['restore-drill', '--target', 'aws', '--arn', ARN, '--timeout-minutes', '1', '--poll-seconds', '20'],
      ctx,
    );
    expect(code).toBe(1);
    expect(sleeps).toHaveLength(3);
    expect(out[0]).toBe('restore-drill: RUNNING (stopped following: --timeout-minutes passed)');
    expect(err[0]).toMatch(/still running after --timeout-minutes; it was not stopped: arn:aws:states:/);
  });

  it('names the missing or bad input (exit 2) before calling AWS', async () => {
    fake = new FakeExecution(drill(1, 'passed'), { status: 'SUCCEEDED', output: reportResult('passed') }, 5);
    const { cmd } = command();
    const { ctx } = capturedContext();
    await expect(cmd.run(['restore-drill', '--arn', ARN], ctx)).rejects.toThrow(/^--target: /);
    await expect(cmd.run(['restore-drill', '--target', 'aws'], ctx)).rejects.toThrow(
      /^--config: is required/,
    );
    const file = configFile();
    await expect(cmd.run(['backup', '--target', 'aws', '--config', file], ctx)).rejects.toThrow(
      /^stateMachines\.backup: is not set/,
    );
    await expect(
      cmd.run(['restore-drill', '--target', 'aws', '--arn', ARN, '--input', '{"targetTime":"x"}'], ctx),
    ).rejects.toThrow(/^--input\.targetTime/);
    await expect(
      cmd.run(['restore-drill', '--target', 'aws', '--arn', ARN, '--poll-seconds', '0'], ctx),
    ).rejects.toThrow(/^--poll-seconds: must be between 1 and 300/);
    expect(fake.starts).toEqual([]);
  });
});
