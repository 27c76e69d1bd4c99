import { beforeAll, describe, expect, it } from 'vitest';
import { fingerprintTables } from '../../lib/pg/fingerprint.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';

cleanupPostgresAfterAll();

describe('table fingerprints', () => {
  let pg: ThrowawayPostgres;
  beforeAll(async () => {
    pg = await startPostgres();
    await pg.cluster.query(`
      CREATE TABLE big (id int PRIMARY KEY, payload text, at timestamptz, amount float8);
      INSERT INTO big SELECT g, repeat(md5(g::text), 3), '2026-01-01'::timestamptz + g * interval '1 minute', g / 7.0
        FROM generate_series(1, 20000) g;
      CREATE TABLE small (k text);
      INSERT INTO small VALUES ('a'), ('b'), ('a');
      CREATE TABLE docs (id int, body json);
      INSERT INTO docs VALUES (1, '{"a": 1}'), (2, '[]');
    `);
  });

  it('gives the same counts and checksums whether a table is scanned whole or in parallel page ranges', async () => {
    const whole = await fingerprintTables(pg.url(), ['public.big', 'public.small'], { parallel: 1 });
    const split = await fingerprintTables(pg.url(), ['public.big', 'public.small'], {
      parallel: 2,
      splitAbovePages: 10,
    });
    expect(split).toEqual(whole);
    expect(whole.map((t) => [t.rows, t.hash])).toEqual([
      [20000, 'record'],
      [3, 'record'],
    ]);
  });

  it('hashes the text form of tables with a column type that has no hash function, or when told to', async () => {
    const [docs] = await fingerprintTables(pg.url(), ['public.docs']);
    expect(docs).toMatchObject({ rows: 2, hash: 'text' });
    const [asText] = await fingerprintTables(pg.url(), ['public.small'], {
      hashes: new Map([['public.small', 'text']]),
    });
    const [asRecord] = await fingerprintTables(pg.url(), ['public.small']);
    expect(asText!.hash).toBe('text');
    expect(asText!.checksum).not.toBe(asRecord!.checksum);
  });

  it('does not depend on row order but notices a changed value', async () => {
    const [before] = await fingerprintTables(pg.url(), ['public.small']);
    await pg.cluster.query('CREATE TABLE small2 AS SELECT * FROM small ORDER BY k DESC');
    const [reordered] = await fingerprintTables(pg.url(), ['public.small2']);
    expect(reordered!.checksum).toBe(before!.checksum);
    await pg.cluster.query("UPDATE small2 SET k = 'c' WHERE ctid = (SELECT min(ctid) FROM small2)");
    const [changed] = await fingerprintTables(pg.url(), ['public.small2']);
    expect(changed!.checksum).not.toBe(before!.checksum);
    expect(changed!.rows).toBe(3);
  });
});
