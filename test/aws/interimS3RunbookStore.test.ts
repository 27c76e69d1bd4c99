import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterimS3RunbookStore } from '../../lib/aws/interimS3RunbookStore.js';
import type { Report } from '../../lib/core/report.js';
import { publishReport } from '../../lib/jobs/publish.js';

/** The slice of s3rver's API used here (it ships no types). */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (
  options: Record<string, unknown>,
) => S3rverServer;

let server: S3rverServer | undefined;
let dir: string;
let client: S3Client;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drillbook-s3rver-'));
  server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'runbook', configs: [] }],
  });
  const address = await server.run();
  client = new S3Client({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${address.port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function report(id: string, startedAt: string, details: Record<string, unknown> = {}): Report {
  return {
    kind: 'canary-halt',
    id,
    system: 'checkout',
    environment: 'production',
    startedAt,
    finishedAt: startedAt,
    outcome: 'passed',
    phases: [],
    checks: [{ name: 'alarm event', outcome: 'passed', detail: 'x' }],
    details,
  };
}

describe('InterimS3RunbookStore on an S3-compatible server', () => {
  it('stores reports under the prefix and lists them back, newest first, filtered by kind', async () => {
    const store = new InterimS3RunbookStore(client, 'runbook', 'drillbook/');
    const location = await publishReport(
      report('canary-halt-checkout-20261123T063000Z-a', '2026-11-23T06:30:00.000Z', { eventId: 'e-1' }),
      { runbook: store, warn: () => {} },
    );
    expect(location).toBe(
      's3://runbook/drillbook/reports/canary-halt/2026/11/canary-halt-checkout-20261123T063000Z-a.json',
    );
    await store.putReport(
      report('canary-halt-checkout-20261123T064000Z-b', '2026-11-23T06:40:00.000Z'),
      '# b',
    );
    const listed = await store.listReports({ kind: 'canary-halt', limit: 10 });
    expect(listed.map((r) => r.id)).toEqual([
      'canary-halt-checkout-20261123T064000Z-b',
      'canary-halt-checkout-20261123T063000Z-a',
    ]);
    expect(listed[1]?.details?.['eventId']).toBe('e-1');
    expect(await store.listReports({ kind: 'restore-drill' })).toEqual([]);
    expect(await store.readRunbook()).toMatch(/drillbook:objectives/);
  });
});
