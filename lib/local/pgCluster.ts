import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type pg from 'pg';
import { DrillbookError, RecoveryError } from '../core/errors.js';
import { failureSummary } from '../core/serverLog.js';
import { waitFor } from '../core/wait.js';
import { connect } from '../pg/connection.js';
import { giveToServerUser, pgBin, run } from './exec.js';
import { isShortSocketDir, prepareShortSocketDir, removeClusterDir, socketDirFor } from './socketDir.js';

export interface ClusterOptions {
  /** Folder that will hold data/, socket/ and postgres.log. */
  dir: string;
  port?: number;
  superuser?: string;
  password?: string;
  /** WAL archive folder: turns archive_mode on with a copy archive_command. */
  archiveDir?: string;
  /** Trade durability for speed (tests, throwaway staging). */
  fast?: boolean;
  settings?: Record<string, string | number>;
}

/**
 * A Postgres cluster this process manages on one machine: initdb, start, stop, remove. Runs the
 * server as an unprivileged user when we are root. Used for throwaway test/demo servers and for
 * the staging clusters of local restore drills.
 */
export class LocalCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly superuser: string,
    private readonly password: string,
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get logFile(): string {
    return join(this.dir, 'postgres.log');
  }

  /** `<dir>/socket`, or a short private folder when that socket path would exceed the OS limit. */
  get socketDir(): string {
    return socketDirFor(this.dir, this.port);
  }

  url(database = 'postgres'): string {
    return `postgresql://${encodeURIComponent(this.superuser)}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${database}`;
  }

  /** initdb a new cluster (data checksums on, scram auth over TCP) and write its settings. */
  static async init(options: ClusterOptions): Promise<LocalCluster> {
    const superuser = options.superuser ?? 'drillbook';
    const password = options.password ?? randomBytes(18).toString('base64url');
    const port = options.port ?? (await freePort());
    const cluster = new LocalCluster(options.dir, port, superuser, password);
    await cluster.prepareDirs();
    const pwfile = join(options.dir, '.pwfile');
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    giveToServerUser(pwfile);
    try {
      await run(
        pgBin('initdb'),
        [
          '-D',
          cluster.dataDir,
          '-U',
          superuser,
          `--pwfile=${pwfile}`,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '-k',
          '-E',
          'UTF8',
          '--locale=C',
          '--no-sync',
        ],
        { asServerUser: true, timeoutMs: 120_000 },
      );
    } finally {
      await rm(pwfile, { force: true });
    }
    if (options.archiveDir) await mkdirOwned(options.archiveDir, options.dir);
    await cluster.writeSettings({
      ...baseSettings(cluster, options),
      ...(options.archiveDir
        ? {
            archive_mode: 'on',
            archive_command: `test ! -f '${options.archiveDir}/%f' && cp '%p' '${options.archiveDir}/%f.tmp' && mv '${options.archiveDir}/%f.tmp' '${options.archiveDir}/%f'`,
            archive_timeout: 60,
          }
        : {}),
      ...options.settings,
    });
    return cluster;
  }

  /** A cluster over a data folder laid down by a restore (already has its files). */
  static async adopt(
    options: ClusterOptions & { password: string; superuser: string },
  ): Promise<LocalCluster> {
    const port = options.port ?? (await freePort());
    const cluster = new LocalCluster(options.dir, port, options.superuser, options.password);
    await cluster.prepareDirs();
    return cluster;
  }

  private async prepareDirs(): Promise<void> {
    const socketDir = this.socketDir; // throws a clear error up front when no socket path fits
    await mkdir(this.dir, { recursive: true });
    if (isShortSocketDir(this.dir, socketDir)) await prepareShortSocketDir(socketDir);
    else await mkdir(socketDir, { recursive: true });
    giveToServerUser(this.dir);
    giveToServerUser(this.socketDir);
  }

  /**
   * Appends settings; later lines win. postgresql.auto.conf is read last, so settings written
   * there override anything a restored data folder brought along from its source.
   */
  async writeSettings(
    settings: Record<string, string | number>,
    file: 'postgresql.conf' | 'postgresql.auto.conf' = 'postgresql.conf',
  ): Promise<void> {
    const lines = Object.entries(settings).map(
      ([k, v]) => `${k} = ${typeof v === 'number' ? v : quoteSetting(v)}`,
    );
    await appendFile(join(this.dataDir, file), `\n# drillbook\n${lines.join('\n')}\n`);
  }

  get hbaFile(): string {
    return join(this.dir, 'pg_hba.conf');
  }

  /**
   * Where a restored copy writes its external PID file: inside its own folder. An empty
   * external_pid_file is not "unset" to PostgreSQL (it tries to write a file named "" and
   * complains in the log), so a source's own (e.g. Debian's /var/run/postgresql/15-main.pid)
   * is overridden with this path instead.
   */
  get externalPidFile(): string {
    return join(this.dir, 'postmaster.external.pid');
  }

  /**
   * Settings for a cluster whose data folder came from a backup, whatever the source's layout:
   * a data folder without postgresql.conf (a distribution keeps it in /etc) gets an empty one, and
   * staging always uses its own pg_hba.conf/pg_ident.conf, port and socket. Everything in the
   * source's configuration that would stop a copy from starting, or reach outside it, is
   * neutralised: its archive_command (a copy never writes into production's archive), its
   * external PID file (pointed into staging's own folder), TLS files,
   * synchronous standbys (writes would hang), a primary to stream from, huge pages, a large
   * shared_buffers. `extra` (recovery parameters, preload libraries, recovery targets) comes last.
   * Written to postgresql.auto.conf, which is read last, so it wins over the source's files.
   */
  async overrideForRestore(extra: Record<string, string | number> = {}): Promise<void> {
    const conf = join(this.dataDir, 'postgresql.conf');
    if (!existsSync(conf)) {
      await writeFile(conf, "# drillbook staging: the source's postgresql.conf is not in its data folder\n");
      giveToServerUser(conf);
    }
    // The socket folder is private to the server user, so local logins may be trusted; TCP needs
    // the source's own password (md5 also accepts SCRAM-hashed passwords).
    await writeFile(
      this.hbaFile,
      '# drillbook staging\nlocal all all trust\nhost all all 127.0.0.1/32 md5\nhost all all ::1/128 md5\n',
    );
    await writeFile(join(this.dir, 'pg_ident.conf'), '# drillbook staging\n');
    giveToServerUser(this.hbaFile);
    giveToServerUser(join(this.dir, 'pg_ident.conf'));
    await this.writeSettings(
      {
        listen_addresses: '127.0.0.1',
        port: this.port,
        unix_socket_directories: this.socketDir,
        unix_socket_permissions: '0700',
        hba_file: this.hbaFile,
        ident_file: join(this.dir, 'pg_ident.conf'),
        external_pid_file: this.externalPidFile,
        // The log is how a failed recovery explains itself: on stderr (pg_ctl -l), untranslated.
        log_destination: 'stderr',
        logging_collector: 'off',
        log_min_messages: 'warning',
        lc_messages: 'C',
        ssl: 'off',
        archive_mode: 'off',
        archive_command: '',
        primary_conninfo: '',
        primary_slot_name: '',
        synchronous_standby_names: '',
        shared_buffers: '128MB',
        huge_pages: 'try',
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'on',
        ...extra,
      },
      'postgresql.auto.conf',
    );
  }

  /** The control file's view of the data folder (pg_controldata), e.g. the source's settings in a backup. */
  async controlData(): Promise<string> {
    const { stdout } = await run(pgBin('pg_controldata'), [this.dataDir], {
      asServerUser: true,
      timeoutMs: 30_000,
      env: { LC_ALL: 'C' },
    });
    return stdout;
  }

  /** Bytes in the server log so far: where the next start's messages begin. */
  async logSize(): Promise<number> {
    return existsSync(this.logFile) ? (await stat(this.logFile)).size : 0;
  }

  async start(timeoutSeconds = 120): Promise<void> {
    await run(
      pgBin('pg_ctl'),
      ['start', '-w', '-t', String(timeoutSeconds), '-D', this.dataDir, '-l', this.logFile],
      {
        asServerUser: true,
        timeoutMs: (timeoutSeconds + 10) * 1000,
      },
    ).catch(async (error: unknown) => {
      throw new DrillbookError(`postgres did not start: ${await this.logTail()}`, { cause: error });
    });
  }

  /** Starts the server without waiting: recovery may take long; poll with the client instead. */
  async startInBackground(): Promise<void> {
    const from = await this.logSize();
    // -W: pg_ctl waits by default (up to 60 s) for connections, which a long recovery may not
    // accept in time; the caller polls instead. The postmaster writes its pid file at once, or
    // says in its log why it could not start.
    await run(pgBin('pg_ctl'), ['start', '-W', '-D', this.dataDir, '-l', this.logFile], {
      asServerUser: true,
      timeoutMs: 60_000,
    }).catch(async (error: unknown) => {
      const why = failureSummary(await this.log(from)) ?? (await this.logTail(3));
      throw new RecoveryError(`postgres did not start: ${why}`, { cause: error });
    });
    // The postmaster creates postmaster.pid empty and fills it a moment later (on a loaded machine,
    // a moment that can outlast the caller's first look). Until then `pg_ctl status` says the
    // file is empty and isRunning() calls the starting server stopped: wait for the pid itself.
    await waitFor(
      'postgres to write its pid file',
      async () => {
        if ((await this.postmasterPid()) !== null) return true;
        const why = failureSummary(await this.log(from));
        if (why) throw new RecoveryError(`postgres did not start: ${why}`);
        return undefined;
      },
      { timeoutMs: 30_000, intervalMs: 20, maxIntervalMs: 100 },
    );
  }

  /** The postmaster's pid from postmaster.pid, or null while there is none or it is not written yet. */
  private async postmasterPid(): Promise<number | null> {
    const text = await readFile(join(this.dataDir, 'postmaster.pid'), 'utf8').catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    });
    // The postmaster writes its first lines in one write(): a pid line ends in a newline once there.
    const line = /^(\d+)\n/.exec(text);
    return line ? Number(line[1]) : null;
  }

  async isRunning(): Promise<boolean> {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return false;
    try {
      await run(pgBin('pg_ctl'), ['status', '-D', this.dataDir], { asServerUser: true, timeoutMs: 10_000 });
      return true;
    } catch {
      return false;
    }
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!(await this.isRunning())) return;
    await run(pgBin('pg_ctl'), ['stop', '-w', '-t', '60', '-m', mode, '-D', this.dataDir], {
      asServerUser: true,
      timeoutMs: 70_000,
    }).catch(async () => {
      await run(pgBin('pg_ctl'), ['stop', '-w', '-t', '30', '-m', 'immediate', '-D', this.dataDir], {
        asServerUser: true,
        timeoutMs: 40_000,
      });
    });
  }

  /** Stops the server and removes its folder. Safe to call twice. */
  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } finally {
      await removeClusterDir(this.dir);
    }
  }

  async logTail(lines = 5): Promise<string> {
    if (!existsSync(this.logFile)) return '(no server log)';
    const text = await readFile(this.logFile, 'utf8');
    return text.trim().split('\n').slice(-lines).join(' | ');
  }

  /** The server log from byte `from` on (default: all of it). */
  async log(from = 0): Promise<string> {
    if (!existsSync(this.logFile)) return '';
    const text = await readFile(this.logFile);
    return text.subarray(Math.min(from, text.length)).toString('utf8');
  }

  /** Runs one statement in a short-lived connection. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<R[]> {
    const client = await connect(this.url(database), { plain: true, applicationName: 'drillbook-local' });
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  async waitUntilAcceptingConnections(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await waitFor(
      'postgres to accept connections',
      async () => {
        try {
          await this.query('select 1');
          return true;
        } catch {
          if (!(await this.isRunning())) throw new DrillbookError(`postgres exited: ${await this.logTail()}`);
          return undefined;
        }
      },
      { timeoutMs, intervalMs: 100, ...(signal ? { signal } : {}) },
    );
  }
}

/** Creates `dir` and any missing parents below `near`'s parent, all owned by the server user. */
async function mkdirOwned(dir: string, near: string): Promise<void> {
  const stop = dirname(near);
  const missing: string[] = [];
  for (let d = dir; d !== stop && d !== dirname(d) && !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    await mkdir(d);
    giveToServerUser(d);
  }
}

function baseSettings(
  cluster: LocalCluster,
  options: Pick<ClusterOptions, 'fast'> & { dir: string },
): Record<string, string | number> {
  return {
    listen_addresses: '127.0.0.1',
    port: cluster.port,
    unix_socket_directories: cluster.socketDir,
    // PostgreSQL's own defaults otherwise (max_wal_senders 10 and the rest), as a user's server has them.
    wal_level: 'replica',
    shared_buffers: '128MB',
    logging_collector: 'off',
    ...(options.fast ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'on' } : {}),
  };
}

function quoteSetting(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
