import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { giveToServerUser, makeServerTempDir, pgBin, run, serverUser } from '../../lib/local/exec.js';
import { freePort } from '../../lib/local/pgCluster.js';
import { selfSignedCertificate } from './certificates.js';

/**
 * A source cluster laid out and configured the way a distribution's package sets one up, not the
 * way drillbook's own LocalCluster helper does: initdb's stock postgresql.conf, moved with
 * pg_hba.conf and pg_ident.conf to a config folder outside the data directory (Debian's
 * /etc/postgresql/<v>/<cluster> layout, started with -c config_file=...), so a base backup holds no
 * postgresql.conf. On top of the stock file come the settings a user's production has: by default
 * max_connections 300, max_wal_senders 10 (the stock default), max_worker_processes 16,
 * max_prepared_transactions 10, max_locks_per_transaction 128, shared_preload_libraries
 * pg_stat_statements, ssl on with a self-signed certificate, and WAL archiving into `archiveDir`.
 */
export interface DistributionSource {
  root: string;
  dataDir: string;
  configDir: string;
  archiveDir: string;
  port: number;
  password: string;
  url: (database?: string) => string;
  query: <R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
    database?: string,
  ) => Promise<R[]>;
  /** Appends settings to the (outside) postgresql.conf and restarts the server. */
  reconfigure: (settings: Record<string, string | number>) => Promise<void>;
  stop: () => Promise<void>;
}

export interface DistributionSourceOptions {
  /** WAL archive folder, relative to the temp root (default backups/shop/wal: the local backup layout). */
  archiveSubdir?: string;
  settings?: Record<string, string | number>;
}

export const userLikeSettings: Record<string, string | number> = {
  max_connections: 300,
  max_wal_senders: 10,
  max_worker_processes: 16,
  max_prepared_transactions: 10,
  max_locks_per_transaction: 128,
  shared_preload_libraries: 'pg_stat_statements',
  shared_buffers: '64MB',
};

const live = new Set<DistributionSource>();

export async function startDistributionSource(
  options: DistributionSourceOptions = {},
): Promise<DistributionSource> {
  const root = makeServerTempDir('drillbook-distro-');
  const dataDir = join(root, 'data');
  const configDir = join(root, 'etc');
  const archiveDir = join(root, options.archiveSubdir ?? 'backups/shop/wal');
  for (const dir of [configDir, archiveDir]) mkdirOwned(root, dir);
  const password = randomBytes(12).toString('base64url');
  const pwfile = join(root, '.pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  giveToServerUser(pwfile);
  await run(
    pgBin('initdb'),
    ['-D', dataDir, '-U', 'app_owner', `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '-E', 'UTF8'],
    { asServerUser: true, timeoutMs: 120_000 },
  );
  rmSync(pwfile);
  for (const file of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf']) {
    await rename(join(dataDir, file), join(configDir, file));
  }
  await selfSignedCertificate(configDir);
  const port = await freePort();
  const settings: Record<string, string | number> = {
    data_directory: dataDir,
    hba_file: join(configDir, 'pg_hba.conf'),
    ident_file: join(configDir, 'pg_ident.conf'),
    listen_addresses: '127.0.0.1',
    port,
    unix_socket_directories: root,
    ssl: 'on',
    ssl_cert_file: join(configDir, 'server.crt'),
    ssl_key_file: join(configDir, 'server.key'),
    archive_mode: 'on',
    archive_command: `test ! -f '${archiveDir}/%f' && cp '%p' '${archiveDir}/%f'`,
    archive_timeout: 60,
    ...userLikeSettings,
    ...options.settings,
  };
  appendSettings(configDir, settings);
  const configFile = join(configDir, 'postgresql.conf');
  const logFile = join(root, 'postgres.log');
  const pgCtl = (args: string[]) => run(pgBin('pg_ctl'), args, { asServerUser: true, timeoutMs: 120_000 });
  const start = () =>
    pgCtl(['start', '-w', '-D', dataDir, '-l', logFile, '-o', `-c config_file=${configFile}`]);
  await start();
  const source: DistributionSource = {
    root,
    dataDir,
    configDir,
    archiveDir,
    port,
    password,
    url: (database = 'postgres') =>
      `postgresql://app_owner:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    async query(sql, params = [], database = 'postgres') {
      const client = new pg.Client({ connectionString: source.url(database) });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    async reconfigure(extra) {
      appendSettings(configDir, extra);
      await pgCtl([
        'restart',
        '-w',
        '-m',
        'fast',
        '-D',
        dataDir,
        '-l',
        logFile,
        '-o',
        `-c config_file=${configFile}`,
      ]);
    },
    async stop() {
      await pgCtl(['stop', '-m', 'immediate', '-D', dataDir]).catch(() => {});
    },
  };
  live.add(source);
  return source;
}

/** Stops and removes the distribution-layout sources this file started. Call once per test file. */
export function cleanupDistributionSourcesAfterAll(): void {
  afterAll(async () => {
    for (const source of [...live]) {
      await source.stop();
      rmSync(source.root, { recursive: true, force: true });
      live.delete(source);
    }
  });
}

process.on('exit', () => {
  const user = serverUser();
  for (const source of live) {
    spawnSync(pgBin('pg_ctl'), ['stop', '-m', 'immediate', '-D', source.dataDir], {
      stdio: 'ignore',
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    rmSync(source.root, { recursive: true, force: true });
  }
});

function appendSettings(configDir: string, settings: Record<string, string | number>): void {
  const lines = Object.entries(settings).map(
    ([k, v]) => `${k} = ${typeof v === 'number' ? v : `'${v.replace(/'/g, "''")}'`}`,
  );
  writeFileSync(join(configDir, 'postgresql.conf'), `\n${lines.join('\n')}\n`, { flag: 'a' });
}

function mkdirOwned(root: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let d = dir; d.startsWith(root) && d !== root; d = join(d, '..')) giveToServerUser(d);
}
