import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../lib/core/manifest.js';
import { PgStagingInspector } from '../../lib/pg/pgStagingInspector.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';

cleanupPostgresAfterAll();

describe('staging inspector across databases', () => {
  let pg: ThrowawayPostgres;
  const inspector = new PgStagingInspector({ system: 'shop', heartbeatTable: 'hb', checks: [], masking: [] });
  beforeAll(async () => {
    pg = await startPostgres();
    await pg.cluster.query('CREATE DATABASE billing');
    await pg.cluster.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)');
    await pg.cluster.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1)', [], 'billing');
  });

  const manifest = (over: Partial<Manifest>): Manifest => ({
    system: 'shop',
    backupId: 'b',
    capturedAt: '2026-12-01T00:00:00Z',
    postgresVersion: '15',
    migrationHead: null,
    tables: [],
    ...over,
  });

  it('reads each table in its own database, through the same login', async () => {
    const found = await inspector.fingerprint(
      { id: 'x', connectionString: pg.url() },
      manifest({
        databases: ['postgres', 'billing'],
        tables: [
          { database: 'postgres', table: 'public.t', rows: 0, checksum: '0', hash: 'record' },
          { database: 'billing', table: 'public.t', rows: 0, checksum: '0', hash: 'record' },
        ],
      }),
    );
    expect(found.databases).toEqual(['postgres', 'billing']);
    expect(found.tables.map((t) => [t.database, t.table, t.rows])).toEqual([
      ['postgres', 'public.t', 2],
      ['billing', 'public.t', 1],
    ]);
  });

  it('leaves out a database the restore does not have, and reads old manifests in the URL database', async () => {
    const found = await inspector.fingerprint(
      { id: 'x', connectionString: pg.url() },
      manifest({
        databases: ['postgres', 'archive'],
        tables: [
          { database: 'postgres', table: 'public.t', rows: 2, checksum: '0' },
          { database: 'archive', table: 'public.t', rows: 1, checksum: '0' },
        ],
      }),
    );
    expect(found.databases).toEqual(['postgres']);
    expect(found.tables.map((t) => t.database)).toEqual(['postgres']);

    const old = await inspector.fingerprint(
      { id: 'x', connectionString: pg.url('billing') },
      manifest({ tables: [{ table: 'public.t', rows: 1, checksum: '0' }] }),
    );
    expect(old.tables).toEqual([{ table: 'public.t', rows: 1, checksum: expect.any(String), hash: 'text' }]);
    expect(old.databases).toEqual([]);
  });
});
