import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodeDeployDeployments } from '../../../lib/aws/codeDeployDeployments.js';
import { S3RunbookStore } from '../../../lib/aws/s3RunbookStore.js';
import { canaryConfigSchema } from '../../../lib/core/canary/canaryConfig.js';
import { type HaltedDeployment, runCanaryHalt } from '../../../lib/jobs/canary/canaryHalt.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';
import type { RunbookStore } from '../../../lib/ports.js';
import { codeDeployWorld, deploymentInfo } from '../../helpers/codeDeployWorld.js';

const event = JSON.parse(
  readFileSync(new URL('../../fixtures/canary/alarm-state-alarm.json', import.meta.url), 'utf8'),
);
const config = canaryConfigSchema.parse({
  groups: [
    { application: 'checkout', deploymentGroup: 'checkout-live', alarms: { prefixes: ['checkout-canary-'] } },
  ],
});
const noWait = { attempts: 4, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };
const meta = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'R1',
  attempts: 1,
  totalRetryDelay: 0,
});

/** An in-memory bucket behind aws-sdk-client-mock that honours If-None-Match: '*' as S3 does (412). */
function conditionalBucket() {
  const objects = new Map<string, string>();
  const s3 = mockClient(S3Client);
  s3.on(PutObjectCommand).callsFake(async (input) => {
    await new Promise((r) => setImmediate(r)); // both writers get in flight before either lands
    const key = input.Key as string;
    if (input.IfNoneMatch === '*' && objects.has(key)) {
      throw new S3ServiceException({
        name: 'PreconditionFailed',
        $fault: 'client',
        message: 'At least one of the pre-conditions you specified did not hold',
        $metadata: meta(412),
      });
    }
    objects.set(key, String(input.Body));
    return { ETag: '"e"', $metadata: meta(200) };
  });
  s3.on(DeleteObjectCommand).callsFake(async (input) => {
    objects.delete(input.Key as string); // S3 answers 204 whether or not the key existed
    return { $metadata: meta(204) };
  });
  s3.on(HeadObjectCommand).callsFake(async (input) => {
    if (!objects.has(input.Key as string)) throw new NotFound({ message: 'NotFound', $metadata: meta(404) });
    return { $metadata: meta(200) };
  });
  s3.on(GetObjectCommand).callsFake(async (input) => {
    const text = objects.get(input.Key as string);
    if (text === undefined) throw new NotFound({ message: 'NoSuchKey', $metadata: meta(404) });
    return { Body: { transformToString: async () => text } as never, $metadata: meta(200) };
  });
  s3.on(ListObjectsV2Command).callsFake(async (input) => ({
    Contents: [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? '')).map((Key) => ({ Key })),
    IsTruncated: false,
    $metadata: meta(200),
  }));
  return { s3, objects };
}

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'drillbook-canary-race-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function twoDeliveries(runbook: RunbookStore) {
  const world = codeDeployWorld([deploymentInfo('d-CANARY01', 'InProgress')]);
  const deps = {
    config,
    deployments: new CodeDeployDeployments(world.client, noWait),
    runbook,
    warn: () => {},
  };
  const results = await Promise.all([runCanaryHalt(event, deps), runCanaryHalt(event, deps)]);
  return { world, results };
}

function expectOneStopAndTheLoserNamesTheWinner(
  world: ReturnType<typeof codeDeployWorld>,
  results: Awaited<ReturnType<typeof runCanaryHalt>>[],
) {
  expect(world.mock.commandCalls(StopDeploymentCommand)).toHaveLength(1);
  const winner = results.find((r) => r.stopped.length === 1)!;
  const loser = results.find((r) => r.stopped.length === 0)!;
  expect(winner.stopped).toEqual(['d-CANARY01']);
  const entry = (loser.report!.details!['deployments'] as HaltedDeployment[])[0];
  expect(entry).toMatchObject({ action: 'none', reason: 'already-stopping' });
  expect(entry?.detail).toContain(`stop already requested by ${winner.report!.id}`);
  expect(loser.report!.outcome).toBe('passed');
}

describe('two deliveries of the same alarm at the same moment', () => {
  it('stop the deployment once: the local store claims the halt record with an exclusive link', async () => {
    const { world, results } = await twoDeliveries(new FolderRunbookStore(root));
    expectOneStopAndTheLoserNamesTheWinner(world, results);
    const claim = JSON.parse(readFileSync(join(root, 'canary-halts', 'd-CANARY01.json'), 'utf8'));
    expect(claim).toMatchObject({ deploymentId: 'd-CANARY01', eventId: event.id });
  });

  it('stop the deployment once on S3: the halt record is a conditional put, and the loser gets the 412', async () => {
    const bucket = conditionalBucket();
    const store = new S3RunbookStore({ bucket: 'rb', client: new S3Client({ region: 'eu-west-1' }) });
    const { world, results } = await twoDeliveries(store);
    expectOneStopAndTheLoserNamesTheWinner(world, results);
    const claims = bucket.s3
      .commandCalls(PutObjectCommand)
      .filter((c) => c.args[0].input.Key === 'drillbook/canary-halts/d-CANARY01.json');
    expect(claims.map((c) => c.args[0].input.IfNoneMatch)).toEqual(['*', '*']);
    bucket.s3.restore();
  });
});

/** A first delivery whose StopDeployment fails past its retries, then a redelivery of the event. */
async function failedStopThenRedelivery(runbook: RunbookStore) {
  // Throttled on every attempt of the first run (its retries are bounded), then answered.
  const world = codeDeployWorld([deploymentInfo('d-CANARY01', 'InProgress')], { throttledStops: 100 });
  const deps = {
    config,
    deployments: new CodeDeployDeployments(world.client, noWait),
    runbook,
    warn: () => {},
  };
  const first = await runCanaryHalt(event, deps);
  const firstCalls = world.mock.commandCalls(StopDeploymentCommand).length;
  world.stopThrottling();
  const second = await runCanaryHalt(event, deps);
  return { world, first, second, firstCalls };
}

describe('a delivery after a failed stop', () => {
  it('stops the deployment: the failed run gives its halt record back (local store)', async () => {
    const { world, first, second, firstCalls } = await failedStopThenRedelivery(new FolderRunbookStore(root));
    expect(first.report?.outcome).toBe('failed');
    expect(first.stopped).toEqual([]);
    expect(second.stopped).toEqual(['d-CANARY01']);
    expect(firstCalls).toBeGreaterThan(1); // retried, then gave up
    expect(world.mock.commandCalls(StopDeploymentCommand)).toHaveLength(firstCalls + 1);
    const claim = JSON.parse(readFileSync(join(root, 'canary-halts', 'd-CANARY01.json'), 'utf8'));
    expect(claim.reportId).toBe(second.report?.id);
  });

  it('stops the deployment on S3: the failed run deletes its halt record', async () => {
    const bucket = conditionalBucket();
    const store = new S3RunbookStore({ bucket: 'rb', client: new S3Client({ region: 'eu-west-1' }) });
    const { first, second } = await failedStopThenRedelivery(store);
    expect(first.report?.outcome).toBe('failed');
    expect(second.stopped).toEqual(['d-CANARY01']);
    const deletes = bucket.s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key);
    expect(deletes).toEqual(['drillbook/canary-halts/d-CANARY01.json']);
    expect(bucket.objects.has('drillbook/canary-halts/d-CANARY01.json')).toBe(true);
    bucket.s3.restore();
  });
});
