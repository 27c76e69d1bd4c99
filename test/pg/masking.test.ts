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
});
