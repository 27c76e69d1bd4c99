import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayRehearsalHandler } from '../../lib/aws/replay/replayRehearsal.js';
import { FolderRunbookStore } from '../../lib/local/folderRunbookStore.js';
import { loadAslDefinition } from '../../lib/local/stateMachineRunner.js';
import { seedContactsDemo } from '../../lib/projections/contactsSeed.js';
import { cleanupNatsAfterAll, startNats, type ThrowawayNats } from '../helpers/nats.js';

const validator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

cleanupNatsAfterAll();

let nats: ThrowawayNats;
let digest = '';
const runbookDir = mkdtempSync(join(tmpdir(), 'drillbook-replay-sfn-'));
const runbook = new FolderRunbookStore(runbookDir);
afterAll(() => rmSync(runbookDir, { recursive: true, force: true }));
const definitionPath = join(import.meta.dirname, '../../state-machines/replay-rehearsal.asl.json');

beforeAll(async () => {
  nats = await startNats();
  ({ digest } = await seedContactsDemo({ natsUrl: nats.url, events: 80, contacts: 8 }));
});

const handler = () =>
  replayRehearsalHandler(() => ({
    natsUrl: nats.url,
    system: 'sfn',
    environment: 'test',
    publish: { runbook, warn: () => {} },
  }));
const context = { awsRequestId: 'req-1' } as Context;

async function execute(input: Record<string, unknown>, name: string) {
  const machine = new StateMachine(loadAslDefinition(definitionPath) as never);
  const fn = handler();
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: { ReplayRehearsal: (event) => fn(event, context) as never } },
    context: { Execution: { Name: name } } as never,
  });
  return execution.result;
}

/** The Error name of the Fail state an execution ended in. */
async function failedWith(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    expect(error).toBeInstanceOf(ExecutionError);
    return ((error as Error).cause as Error).name;
  }
  throw new Error('the execution succeeded');
}

describe('replay-rehearsal state machine', () => {
  it('is valid ASL', () => {
    const result = validator(loadAslDefinition(definitionPath));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('succeeds when the rehearsal passes, with the handler bound to the Task', async () => {
    const output = (await execute(
      { stream: 'CONTACTS', projection: 'contacts', expectDigest: digest },
      'weekly-1',
    )) as {
      result: { outcome: string; digest: string; reportId: string };
    };
    expect(output.result).toMatchObject({ outcome: 'passed', digest, repeated: false });
    expect((await runbook.getReport(output.result.reportId))?.details?.['runId']).toBe('weekly-1');
  });

  it('fails with ReplayRehearsalFailed when a check fails', async () => {
    const run = execute(
      { stream: 'CONTACTS', projection: 'contacts', expectDigest: 'b'.repeat(64) },
      'weekly-2',
    );
    expect(await failedWith(run)).toBe('ReplayRehearsalFailed');
    const [stored] = await runbook.listReports({ kind: 'replay-rehearsal', system: 'sfn', limit: 1 });
    expect(stored).toMatchObject({ outcome: 'failed', details: { runId: 'weekly-2' } });
  });

  it('ends in the error state for input that does not validate, naming the field', async () => {
    const fn = handler();
    // No stream in the input and none configured (systems[].streams): the field is named.
    await expect(fn({ request: { projection: 'contacts' } }, context)).rejects.toThrow(
      /^stream: is required: name it in the input, or configure systems\[\]\.streams/,
    );
    await expect(fn({ request: { stream: 'BAD.NAME', projection: 'contacts' } }, context)).rejects.toThrow(
      /^event\.request\.stream: /,
    );
    await expect(fn({ stream: 'CONTACTS', projection: 'contacts', toSeq: 0 }, context)).rejects.toThrow(
      /^event\.toSeq: /,
    );
    expect(await failedWith(execute({ projection: 'contacts' }, 'manual-bad'))).toBe('ReplayRehearsalError');
  });

  it('returns the earlier report on redelivery of the same run instead of rehearsing again', async () => {
    const fn = handler();
    const event = { request: { stream: 'CONTACTS', projection: 'contacts' }, runId: 'redelivered' };
    const first = await fn(event, context);
    const second = await fn(event, context);
    expect(second).toMatchObject({ reportId: first.reportId, repeated: true });
    const stored = await runbook.listReports({ kind: 'replay-rehearsal', system: 'sfn' });
    expect(stored.filter((r) => r.details?.['runId'] === 'redelivered')).toHaveLength(1);
  });
});
