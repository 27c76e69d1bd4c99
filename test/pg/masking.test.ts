import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { GuardError } from '../../lib/core/errors.js';
import { withClient } from '../../lib/pg/connection.js';
import { maskPii, STAGING_MARK } from '../../lib/pg/masking.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';

cleanupPostgresAfterAll();

const rules = [
  { table: 'public.people', column: 'email', strategy: 'email' as const },
  { table: 'people', column: 'Full Name', strategy: 'redact' as const },
];

async function seed(pg: ThrowawayPostgres) {
  await pg.cluster.query(`
    CREATE TABLE people (id int PRIMARY KEY, email text, "Full Name" text);
    INSERT INTO people VALUES (1, 'ana@example.com', 'Ana'), (2, NULL, 'Bo');
  `);
}

describe('PII masking guard', () => {
  let production: ThrowawayPostgres;
  let staging: ThrowawayPostgres;

  beforeAll(async () => {
    production = await startPostgres();
    staging = await startPostgres({ settings: { [STAGING_MARK]: 'staging' } });
    await seed(production);
    await seed(staging);
  });

  it('refuses to touch a database that is not marked staging, and changes nothing', async () => {
    await expect(withClient(production.url(), (c) => maskPii(c, rules))).rejects.toBeInstanceOf(GuardError);
    await expect(withClient(production.url(), (c) => maskPii(c, rules))).rejects.toThrow(
      /not marked staging/,
    );
    expect(await production.cluster.query('SELECT email FROM people ORDER BY id')).toEqual([
      { email: 'ana@example.com' },
      { email: null },
    ]);
  });

  it('masks the configured columns on a staging-marked database, keeping NULLs', async () => {
    const results = await withClient(staging.url(), (c) => maskPii(c, rules));
    expect(results.map((r) => r.rows)).toEqual([2, 2]);
    const rows = await staging.cluster.query<{ email: string | null; name: string }>(
      'SELECT email, "Full Name" AS name FROM people ORDER BY id',
    );
    expect(rows[0]?.email).toMatch(/^user-[0-9a-f]{12}@example\.invalid$/);
    expect(rows[1]?.email).toBeNull();
    expect(rows.map((r) => r.name)).toEqual(['REDACTED', 'REDACTED']);
  });

  it('hashes values to the MD5 of their text (equal inputs stay equal, NULLs stay NULL) and nulls a column', async () => {
    await staging.cluster.query(`
      CREATE TABLE accounts (id int PRIMARY KEY, phone text, owner text, born date, note text NOT NULL);
      INSERT INTO accounts VALUES
        (1, '+44 20 7946 0000', 'ana', '1990-02-03', 'a'),
        (2, NULL, 'ana', '1985-12-31', 'b'),
        (3, '+1 555 0100', 'bo', NULL, 'c');
    `);
    const md5 = (text: string) => createHash('md5').update(text).digest('hex');

    const results = await withClient(staging.url(), (c) =>
      maskPii(c, [
        { table: 'public.accounts', column: 'owner', strategy: 'hash' },
        { table: 'accounts', column: 'phone', strategy: 'hash' },
        { table: 'accounts', column: 'born', strategy: 'null' },
      ]),
    );

    expect(results.map((r) => r.rows)).toEqual([3, 3, 3]);
    const rows = await staging.cluster.query<Record<string, unknown>>(
      'SELECT id, phone, owner, born, note FROM accounts ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 1, phone: md5('+44 20 7946 0000'), owner: md5('ana'), born: null, note: 'a' },
      { id: 2, phone: null, owner: md5('ana'), born: null, note: 'b' },
      { id: 3, phone: md5('+1 555 0100'), owner: md5('bo'), born: null, note: 'c' },
    ]);
  });
});
