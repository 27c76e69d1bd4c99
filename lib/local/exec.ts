import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError, DrillbookError, InterruptedError, TimeoutError } from '../core/errors.js';

export interface RunAs {
  uid: number;
  gid: number;
  name: string;
  /** The user's own home (passwd), so libpq looks for ~/.postgresql there, not in root's. */
  home: string;
}

let cachedUser: RunAs | null | undefined;

/**
 * The Postgres server refuses to run as root. When drillbook runs as root (CI, containers) it
 * runs the server tools as an unprivileged user: $DRILLBOOK_PG_USER, else "postgres", else
 * "nobody". As any other user, tools run as that user and this returns null.
 */
export function serverUser(): RunAs | null {
  if (cachedUser !== undefined) return cachedUser;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    cachedUser = null;
    return null;
  }
  const candidates = [process.env['DRILLBOOK_PG_USER'], 'postgres', 'nobody'].filter((n): n is string => !!n);
  for (const name of candidates) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      if (uid !== 0) {
        cachedUser = { uid, gid, name, home: homeOf(name) };
        return cachedUser;
      }
    } catch {
      // try the next candidate
    }
  }
  throw new DrillbookError(
    'running as root and no unprivileged user found for Postgres (set DRILLBOOK_PG_USER)',
  );
}

function homeOf(name: string): string {
  try {
    const entry = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
    return entry.split(':')[5] || '/nonexistent';
  } catch {
    return '/nonexistent';
  }
}

/** Hands a path we created to the server user (no-op unless running as root). */
export function giveToServerUser(path: string): void {
  const user = serverUser();
  if (user) chownSync(path, user.uid, user.gid);
}

let cachedBinDir: string | undefined;

/** The folder of the PostgreSQL server binaries: $DRILLBOOK_PG_BINDIR, `pg_config --bindir`, or Debian's path. */
export function pgBinDir(): string {
  if (cachedBinDir) return cachedBinDir;
  const fromEnv = process.env['DRILLBOOK_PG_BINDIR'];
  const candidates = [fromEnv, pgConfigBinDir(), ...debianBinDirs()].filter((d): d is string => !!d);
  const found = candidates.find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')),
  );
  if (!found) {
    throw new DrillbookError(
      'PostgreSQL server binaries not found (initdb, postgres). Install them: sudo apt-get install -y postgresql-15 postgresql-contrib, or set DRILLBOOK_PG_BINDIR',
    );
  }
  cachedBinDir = found;
  return found;
}

/** Debian/Ubuntu install server binaries under /usr/lib/postgresql/<major>/bin: newest first. */
function debianBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, 'bin'));
}

function pgConfigBinDir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

export function pgBin(tool: string): string {
  return join(pgBinDir(), tool);
}

export interface RunOptions {
  asServerUser?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: Record<string, string>;
  cwd?: string;
  /** Text a secret may appear in: never put into errors (e.g. a password on stdin). */
  stdin?: string;
}

/** Runs a command to completion with a timeout; throws CommandError with the tail of stderr. */
export function run(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const user = options.asServerUser ? serverUser() : null;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const name = command.split('/').pop() ?? command;
  const interrupted = () =>
    new InterruptedError(`${name} interrupted: ${describeReason(options.signal?.reason)}`, {
      cause: options.signal?.reason,
    });
  // Stopped before it started: never start it (a kill racing the spawn can lose, and the command runs on).
  if (options.signal?.aborted) return Promise.reject(interrupted());
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? (user ? '/' : undefined),
      // As the server user, HOME is that user's: libpq must not try root's ~/.postgresql (EACCES).
      env: { ...process.env, ...(user ? { HOME: user.home } : {}), ...options.env },
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new TimeoutError(`${name} did not finish within ${Math.round(timeoutMs / 1000)}s`));
    }, timeoutMs);
    const onAbort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new CommandError(name, null, error.message, { cause: error }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // An interrupted command never counts as done, even if it managed to finish.
      if (options.signal?.aborted) reject(interrupted());
      else if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(name, code, stderr || stdout));
    });
    if (child.stdin) {
      child.stdin.on('error', () => {}); // a tool that exits without reading its input is not an error here
      child.stdin.end(options.stdin);
    }
  });
}

/** A new temporary folder the server user can use (owned by it when we are root). */
export function makeServerTempDir(prefix: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, prefix));
  giveToServerUser(dir);
  return dir;
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
}
