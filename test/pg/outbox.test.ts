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
  // The table is built on its own connection, whose statistics are flushed before it closes:
  // the scans of the set-up must not show up later as scans of the lookups.
  const setup = new pg.Client({ connectionString: postgres.url() });
  await setup.connect();
  try {
    await setup.query(`
      CREATE TABLE public.outbox_uuid (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
      INSERT INTO public.outbox_uuid (id, published_at)
        SELECT md5(i::text)::uuid, CASE WHEN i % 2 = 0 THEN now() END FROM generate_series(1, ${rows}) AS i;
      CREATE TABLE public.outbox_bigint (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
      INSERT INTO public.outbox_bigint (id, published_at)
        SELECT i, CASE WHEN i % 2 = 0 THEN now() END FROM generate_series(1, ${rows}) AS i;
      ANALYZE public.outbox_uuid; ANALYZE public.outbox_bigint;`);
    await setup.query('SELECT pg_stat_force_next_flush()');
    await setup.query('SELECT 1');
  } finally {
    await setup.end();
  }
  const client = new pg.Client({ connectionString: postgres.url() });
  await client.connect();
  const uuidOf = async (i: number) =>
    (await client.query<{ id: string }>(`SELECT md5($1::text)::uuid::text AS id`, [String(i)])).rows[0]!.id;
  const read = async (table: string) => {
    await client.query('SELECT pg_stat_clear_snapshot()');
    const r = await client.query<{ seq: string; idx: string }>(
      `SELECT seq_scan::text AS seq, coalesce(idx_scan, 0)::text AS idx FROM pg_stat_user_tables WHERE relname = $1`,
      [table],
    );
    return { seq: Number(r.rows[0]!.seq), idx: Number(r.rows[0]!.idx) };
  };
  const pause = () => new Promise((resolve) => setTimeout(resolve, 200));
  /** The table's scans once they stopped changing (bounded): the baseline before the lookups. */
  const scansBefore = async (table: string) => {
    let last = await read(table);
    for (let i = 0; i < 25; i++) {
      await pause();
      const now = await read(table);
      if (now.seq === last.seq && now.idx === last.idx) return now;
      last = now;
    }
    return last;
  };
  /** The table's scans after the lookups: waits (bounded) for their index scans to be counted. */
  const scansAfter = async (table: string, before: { idx: number }) => {
    for (let i = 0; i < 50; i++) {
      const now = await read(table);
      if (now.idx > before.idx) return now;
      await pause();
    }
    return read(table);
  };
  return { postgres, client, uuidOf, scansBefore, scansAfter };
}

describe('outbox lookups on production outboxes keyed by uuid or bigint', () => {
  it('finds missing message ids through the uuid primary key, without scanning the outbox', async () => {
    const { postgres, client, uuidOf, scansBefore, scansAfter } = await outboxDatabase();
    const outbox = new PgOutbox(postgres.url(), { table: 'public.outbox_uuid' });
    try {
      const present = [await uuidOf(1), await uuidOf(2)];
      const absent = '00000000-0000-0000-0000-000000000001';
      const before = await scansBefore('outbox_uuid');
      // As the text comparison answered: only a row's canonical id::text matches, so an id that is
      // no uuid, or a uuid written otherwise (upper case, braces), is missing; none of them fails the batch.
      const upper = present[1]!.toUpperCase();
      const braced = `{${present[0]}}`;
      const missing = await outbox.missing([
        present[0]!,
        'not-a-uuid',
        absent,
        upper,
        braced,
        `{${absent}`,
        present[1]!,
      ]);
      expect(missing).toEqual(['not-a-uuid', absent, upper, braced, `{${absent}`]);
      await outbox.close();
      const counted = await scansAfter('outbox_uuid', before);
      expect(counted.idx).toBeGreaterThan(before.idx);
      expect(counted.seq).toBe(before.seq);
    } finally {
      await outbox.close();
      await client.end();
    }
  });

  it('tells published rows from unpublished ones through the primary key, for uuid and bigint ids', async () => {
    const { postgres, client, uuidOf, scansBefore, scansAfter } = await outboxDatabase();
    try {
      const published = await uuidOf(2);
      const unpublished = await uuidOf(3);
      const beforeUuid = await scansBefore('outbox_uuid');
      const beforeBigint = await scansBefore('outbox_bigint');
      const uuids = new PgUnpublishedOutbox(postgres.url(), { table: 'public.outbox_uuid' });
      expect(await uuids.publishedAmong([published, unpublished, 'nope'])).toEqual([published]);
      const bigints = new PgUnpublishedOutbox(postgres.url(), { table: 'public.outbox_bigint' });
      const ids = ['4', '5', '99999999999999999999', 'x', '+4', '04', '4\u00a0', String(rows + 2)];
      expect(await bigints.publishedAmong(ids)).toEqual(['4']);
      const afterUuid = await scansAfter('outbox_uuid', beforeUuid);
      const afterBigint = await scansAfter('outbox_bigint', beforeBigint);
      expect(afterUuid.idx).toBeGreaterThan(beforeUuid.idx);
      expect(afterUuid.seq).toBe(beforeUuid.seq);
      expect(afterBigint.idx).toBeGreaterThan(beforeBigint.idx);
      expect(afterBigint.seq).toBe(beforeBigint.seq);
    } finally {
      await client.end();
    }
  });
});

describe('outboxIdMatch', () => {
  it('casts to the column type only ids that can be one, and compares other types as text', () => {
    const uuid = outboxIdMatch('uuid')!;
    expect(uuid.accepts('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).toBe(true);
    // Only what uuid::text prints: anything else is no row's text, and a cast of it could fail.
    for (const other of [
      'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
      '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'order-17',
    ])
      expect(uuid.accepts(other), other).toBe(false);
    const int = outboxIdMatch('integer')!;
    expect([int.accepts('2147483647'), int.accepts('2147483648'), int.accepts('-2147483648')]).toEqual([
      true,
      false,
      true,
    ]);
    expect(outboxIdMatch('bigint')!.accepts('9223372036854775808')).toBe(false);
    for (const other of ['+1', '01', '-0', ' 1', '1\u00a0', '1e3'])
      expect(outboxIdMatch('bigint')!.accepts(other), JSON.stringify(other)).toBe(false);
    expect(outboxIdMatch('character varying')?.cast).toBe('character varying');
    expect(outboxIdMatch('constructor')).toBeNull();
    expect(outboxIdMatch('jsonb')).toBeNull();
  });
});
