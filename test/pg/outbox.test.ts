import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgOutbox, PgUnpublishedOutbox } from '../../lib/pg/outbox.js';
import { outboxIdMatch } from '../../lib/pg/outboxIdType.js';
import { cleanupPostgresAfterAll, startPostgres } from '../helpers/postgres.js';

cleanupPostgresAfterAll();

/**
 * The outbox lookups of the replay rehearsal and the drill's catch-up run against production's
 * outbox. Outboxes keyed by uuid or bigint (not only text, as our fixtures were) must be looked
 * up through their primary key: a text comparison scans the whole table for every batch.
 */
const rows = 50_000;

async function outboxDatabase() {
  const postgres = await startPostgres();
  const client = new pg.Client({ connectionString: postgres.url() });
  await client.connect();
  await client.query(`
    CREATE TABLE public.outbox_uuid (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
    INSERT INTO public.outbox_uuid (id, published_at)
      SELECT md5(i::text)::uuid, CASE WHEN i % 2 = 0 THEN now() END FROM generate_series(1, ${rows}) AS i;
    CREATE TABLE public.outbox_bigint (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
    INSERT INTO public.outbox_bigint (id, published_at)
      SELECT i, CASE WHEN i % 2 = 0 THEN now() END FROM generate_series(1, ${rows}) AS i;
    ANALYZE public.outbox_uuid; ANALYZE public.outbox_bigint;`);
  const uuidOf = async (i: number) =>
    (await client.query<{ id: string }>(`SELECT md5($1::text)::uuid::text AS id`, [String(i)])).rows[0]!.id;
  /** Sequential and index scans of a table so far (waits, bounded, for the lookups' stats to arrive). */
  const scans = async (table: string, atLeastIndexScans = 0) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      await client.query('SELECT pg_stat_clear_snapshot()');
      const r = await client.query<{ seq: string; idx: string }>(
        `SELECT seq_scan::text AS seq, coalesce(idx_scan, 0)::text AS idx FROM pg_stat_user_tables WHERE relname = $1`,
        [table],
      );
      const s = { seq: Number(r.rows[0]!.seq), idx: Number(r.rows[0]!.idx) };
      if (s.idx >= atLeastIndexScans || Date.now() > deadline) return s;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { postgres, client, uuidOf, scans };
}

describe('outbox lookups on production outboxes keyed by uuid or bigint', () => {
  it('finds missing message ids through the uuid primary key, without scanning the outbox', async () => {
    const { postgres, client, uuidOf, scans } = await outboxDatabase();
    const present = [await uuidOf(1), await uuidOf(2)];
    const absent = '00000000-0000-0000-0000-000000000001';
    const before = await scans('outbox_uuid');
    const outbox = new PgOutbox(postgres.url(), { table: 'public.outbox_uuid' });
    try {
      const missing = await outbox.missing([present[0]!, 'not-a-uuid', absent, present[1]!.toUpperCase()]);
      // An id that cannot be a uuid is in no uuid column; upper case is the same uuid.
      expect(missing).toEqual(['not-a-uuid', absent]);
    } finally {
      await outbox.close();
    }
    const after = await scans('outbox_uuid', before.idx + 1);
    expect(after.idx).toBeGreaterThan(before.idx);
    expect(after.seq).toBe(before.seq);
    await client.end();
  });

  it('tells published rows from unpublished ones through the primary key, for uuid and bigint ids', async () => {
    const { postgres, client, uuidOf, scans } = await outboxDatabase();
    const beforeUuid = await scans('outbox_uuid');
    const beforeBigint = await scans('outbox_bigint');
    const uuids = new PgUnpublishedOutbox(postgres.url(), { table: 'public.outbox_uuid' });
    const published = await uuidOf(2);
    const unpublished = await uuidOf(3);
    expect(await uuids.publishedAmong([published, unpublished, 'nope'])).toEqual([published]);
    const bigints = new PgUnpublishedOutbox(postgres.url(), { table: 'public.outbox_bigint' });
    expect(await bigints.publishedAmong(['4', '5', '99999999999999999999', 'x', String(rows + 2)])).toEqual([
      '4',
    ]);
    const afterUuid = await scans('outbox_uuid', beforeUuid.idx + 1);
    const afterBigint = await scans('outbox_bigint', beforeBigint.idx + 1);
    expect(afterUuid.seq).toBe(beforeUuid.seq);
    expect(afterBigint.seq).toBe(beforeBigint.seq);
    expect(afterBigint.idx).toBeGreaterThan(beforeBigint.idx);
    await client.end();
  });
});

describe('outboxIdMatch', () => {
  it('casts to the column type only ids that can be one, and compares other types as text', () => {
    const uuid = outboxIdMatch('uuid')!;
    expect(uuid.accepts('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(true);
    expect(uuid.accepts('{a0eebc999c0b4ef8bb6d6bb9bd380a11}')).toBe(true);
    expect(uuid.accepts('order-17')).toBe(false);
    const int = outboxIdMatch('integer')!;
    expect([int.accepts('2147483647'), int.accepts('2147483648'), int.accepts('-2147483648')]).toEqual([
      true,
      false,
      true,
    ]);
    expect(outboxIdMatch('bigint')!.accepts('9223372036854775808')).toBe(false);
    expect(outboxIdMatch('character varying')?.cast).toBe('character varying');
    expect(outboxIdMatch('constructor')).toBeNull();
    expect(outboxIdMatch('jsonb')).toBeNull();
  });
});
