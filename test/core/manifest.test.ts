import { describe, expect, it } from 'vitest';
import { compareManifest, type Manifest } from '../../lib/core/manifest.js';

const manifest: Manifest = {
  system: 'shop',
  backupId: 'b1',
  capturedAt: '2026-11-01T00:00:00Z',
  postgresVersion: '15.18',
  migrationHead: '20261101_x',
  tables: [
    { table: 'public.a', rows: 10, checksum: '123' },
    { table: 'public.b', rows: 5, checksum: '-77' },
  ],
};

const byName = (checks: ReturnType<typeof compareManifest>) =>
  Object.fromEntries(checks.map((c) => [c.name, c]));

describe('compareManifest', () => {
  it('passes every check when the restored database matches', () => {
    const checks = byName(compareManifest(manifest, { ...manifest, postgresVersion: '15.20' }));
    expect(Object.values(checks).map((c) => c.outcome)).toEqual(['passed', 'passed', 'passed', 'passed']);
    expect(checks['row-counts']?.detail).toBe('2 tables, 15 rows match the manifest');
  });

  it('names each table whose count or checksum differs', () => {
    const checks = byName(
      compareManifest(manifest, {
        ...manifest,
        tables: [
          { table: 'public.a', rows: 9, checksum: '999' },
          { table: 'public.b', rows: 5, checksum: '-78' },
        ],
      }),
    );
    expect(checks['row-counts']).toMatchObject({
      outcome: 'failed',
      detail: 'public.a: expected 10 rows, found 9',
    });
    expect(checks['checksums']).toMatchObject({
      outcome: 'failed',
      detail: 'public.a: checksum differs; public.b: checksum differs',
    });
  });

  it('fails on a missing table, another migration head or another major version', () => {
    const checks = byName(
      compareManifest(manifest, {
        tables: [manifest.tables[0]!],
        migrationHead: '20260101_old',
        postgresVersion: '16.1',
      }),
    );
    expect(checks['row-counts']?.detail).toContain('missing tables: public.b');
    expect(checks['migration-head']).toMatchObject({
      outcome: 'failed',
      detail: 'expected 20261101_x, found 20260101_old',
    });
    expect(checks['postgres-version']?.outcome).toBe('failed');
  });
});

describe('compareManifest across databases', () => {
  const twoDatabases: Manifest = {
    ...manifest,
    databases: ['shop', 'billing'],
    tables: [
      { database: 'shop', table: 'public.a', rows: 10, checksum: '123' },
      { database: 'billing', table: 'public.a', rows: 3, checksum: '55' },
    ],
  };

  it('matches tables by database and name, and names the database of a table that differs', () => {
    const checks = byName(
      compareManifest(twoDatabases, {
        ...twoDatabases,
        tables: [
          { database: 'billing', table: 'public.a', rows: 3, checksum: '56' },
          { database: 'shop', table: 'public.a', rows: 10, checksum: '123' },
        ],
      }),
    );
    expect(checks['databases']).toMatchObject({ outcome: 'passed', detail: 'shop, billing restored' });
    expect(checks['row-counts']?.outcome).toBe('passed');
    expect(checks['checksums']).toMatchObject({
      outcome: 'failed',
      detail: 'billing.public.a: checksum differs',
    });
  });

  it('fails naming a database missing from the restore', () => {
    const checks = byName(
      compareManifest(twoDatabases, {
        ...twoDatabases,
        tables: [twoDatabases.tables[0]!],
        databases: ['shop'],
      }),
    );
    expect(checks['databases']).toMatchObject({ outcome: 'failed', detail: 'missing databases: billing' });
    expect(checks['row-counts']?.detail).toContain('missing tables: billing.public.a');
  });

  it('has no databases check for a manifest from before databases were recorded', () => {
    expect(byName(compareManifest(manifest, manifest))['databases']).toBeUndefined();
  });
});
