import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/heartbeat.js';
import { HeartbeatError } from '../../lib/aws/heartbeatWriter.js';
import { FakeRds } from '../aws/fakeRds.js';
import { awsSection } from '../aws/rdsFixtures.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';

/**
 * The scheduled heartbeat writer: a real Postgres stands in for the RDS source (the fake RDS
 * answers DescribeDBInstances with its endpoint, Secrets Manager with its login).
 */
cleanupPostgresAfterAll();

let pg: ThrowawayPostgres;
let fake: FakeRds;

function system(name: string, instance: string) {
  return {
    name,
    database: { sourceUrl: pg.url() },
    aws: awsSection(instance),
  };
}

beforeAll(async () => {
  pg = await startPostgres();
  fake = new FakeRds(pg);
});
afterEach(() => {
  delete process.env['DRILLBOOK_CONFIG_JSON'];
});
afterAll(() => fake.close());

const beats = () =>
  pg.cluster.query<{ system: string; beats: string }>(
    'SELECT system, beats::text FROM public.drillbook_heartbeat ORDER BY system',
  );

describe('scheduled heartbeat', () => {
  it('writes one heartbeat into every RDS source of the config at each run', async () => {
    process.env['DRILLBOOK_CONFIG_JSON'] = JSON.stringify({ systems: [system('shop', 'shop-db')] });
    const first = await handler.run({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
    await handler.run({});
    expect(first.beats.map((b) => b.system)).toEqual(['shop']);
    expect(await beats()).toEqual([{ system: 'shop', beats: '2' }]);
  });

  it('fails naming the source it could not reach, after writing the others', async () => {
    process.env['DRILLBOOK_CONFIG_JSON'] = JSON.stringify({
      systems: [system('shop', 'shop-db'), system('billing', 'billing-db')],
    });
    const before = Number((await beats()).find((b) => b.system === 'shop')?.beats ?? 0);
    const failure = await handler.run({}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HeartbeatError);
    expect((failure as Error).message).toMatch(
      /heartbeat not written for 1 source\(s\): billing: .*billing-db/,
    );
    expect(Number((await beats()).find((b) => b.system === 'shop')?.beats)).toBe(before + 1);
  });

  it('rejects a malformed manual invocation naming the field', async () => {
    process.env['DRILLBOOK_CONFIG_JSON'] = JSON.stringify({ systems: [system('shop', 'shop-db')] });
    await expect(handler.run({ system: 42 })).rejects.toThrow(/^system: /);
  });
});
