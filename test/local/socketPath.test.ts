import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/core/errors.js';
import { makeServerTempDir } from '../../lib/local/exec.js';
import { removeClusterDir, SOCKET_PATH_MAX_BYTES, socketDirFor } from '../../lib/local/socketDir.js';
import { cleanupPostgresAfterAll, startPostgres } from '../helpers/postgres.js';

cleanupPostgresAfterAll();

describe('Postgres socket paths under deep work folders', () => {
  it("removes a deep cluster's short socket folder with its folder, as a drill's teardown and the orphan sweep do", async () => {
    const server = await startPostgres({
      dir: join(makeServerTempDir('drillbook-deep-'), 'w'.repeat(60), 'staging-cluster-torn-down'),
    });
    const { cluster } = server;
    expect(cluster.socketDir.startsWith('/tmp/drillbook-pg-')).toBe(true);
    await cluster.stop('immediate');
    // Teardown and the sweep only know the folder (the cluster object may be from another process).
    await removeClusterDir(cluster.dir);
    expect(existsSync(cluster.dir)).toBe(false);
    expect(existsSync(cluster.socketDir)).toBe(false);
  });

  it('starts a cluster whose folder is too deep for a socket, with the socket in a short private folder', async () => {
    // A work folder as a CI runner or a nested checkout makes it: the socket path would be > 107 bytes.
    const server = await startPostgres({
      dir: join(makeServerTempDir('drillbook-deep-'), 'w'.repeat(60), 'staging-cluster-for-drill'),
    });
    const { cluster } = server;
    expect(Buffer.byteLength(join(cluster.dir, 'socket', `.s.PGSQL.${cluster.port}`))).toBeGreaterThan(
      SOCKET_PATH_MAX_BYTES,
    );
    expect(cluster.socketDir.startsWith('/tmp/drillbook-pg-')).toBe(true);
    expect(existsSync(join(cluster.socketDir, `.s.PGSQL.${cluster.port}`))).toBe(true);
    // The socket works: a local login through it (trusted, the folder being private to the server user).
    const client = new pg.Client({
      host: cluster.socketDir,
      port: cluster.port,
      user: cluster.superuser,
      database: 'postgres',
    });
    await client.connect();
    try {
      expect((await client.query('select 1 as one')).rows[0].one).toBe(1);
    } finally {
      await client.end();
    }
    await cluster.destroy();
    expect(existsSync(cluster.socketDir)).toBe(false);
  });

  it('keeps the socket inside the cluster folder when it fits, and names the folder when nothing fits', () => {
    expect(socketDirFor('/work/run/cluster', 5432)).toBe('/work/run/cluster/socket');
    expect(socketDirFor(`/work/${'x'.repeat(100)}`, 5432)).toMatch(/^\/tmp\/drillbook-pg-[0-9a-f]{16}$/);
    expect(socketDirFor(`/work/${'x'.repeat(100)}`, 5432)).toBe(
      socketDirFor(`/work/${'x'.repeat(100)}`, 6543),
    );
    const deep = `/work/${'x'.repeat(100)}`;
    expect(() => socketDirFor(deep, 5432, `/${'t'.repeat(100)}`)).toThrow(ConfigError);
    expect(() => socketDirFor(deep, 5432, `/${'t'.repeat(100)}`)).toThrow(
      /is too deep for a Postgres socket: .* is 127 bytes, the limit is 107; use a shorter work or temp folder/,
    );
  });
});
