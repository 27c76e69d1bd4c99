import { createHash } from 'node:crypto';
import { existsSync, lstatSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';

/** sun_path holds 108 bytes on Linux, the NUL included: PostgreSQL refuses longer socket paths. */
export const SOCKET_PATH_MAX_BYTES = 107;

/** Where short private socket folders go when the cluster's own folder is too deep. */
const SHORT_ROOT = '/tmp';

function socketFile(dir: string, port: number): string {
  return join(dir, `.s.PGSQL.${port}`);
}

function fits(dir: string, port: number): boolean {
  return Buffer.byteLength(socketFile(dir, port)) <= SOCKET_PATH_MAX_BYTES;
}

/**
 * The socket folder of a cluster in `dir`: `<dir>/socket` when the socket path fits the OS
 * limit, else a short private folder named after `dir` (the same for every caller), so a deep
 * work or temp folder never ends in a raw "could not create Unix-domain socket". Throws a
 * ConfigError naming the folder when not even that fits.
 */
export function socketDirFor(dir: string, port: number, shortRoot = SHORT_ROOT): string {
  const inside = join(dir, 'socket');
  if (fits(inside, port)) return inside;
  const short = shortSocketDirOf(dir, shortRoot);
  if (fits(short, port) && existsSync(shortRoot)) return short;
  throw new ConfigError(
    'work folder',
    `${dir} is too deep for a Postgres socket: ${socketFile(inside, port)} is ${Buffer.byteLength(socketFile(inside, port))} bytes, the limit is ${SOCKET_PATH_MAX_BYTES}; use a shorter work or temp folder`,
  );
}

/** The short socket folder a cluster in `dir` uses when its own is too deep (named after `dir`). */
function shortSocketDirOf(dir: string, shortRoot = SHORT_ROOT): string {
  const digest = createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16);
  return join(shortRoot, `drillbook-pg-${digest}`);
}

/**
 * Removes a cluster's folder and the short socket folder outside it that it may have had: every
 * way a cluster's folder goes (destroy, a drill's teardown, a failed provision, the orphan sweep)
 * goes through here, so no /tmp/drillbook-pg-* is left behind.
 */
export async function removeClusterDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await removeShortSocketDir(shortSocketDirOf(dir));
}

/** Whether the socket folder is one of the short ones outside the cluster folder. */
export function isShortSocketDir(dir: string, socketDir: string): boolean {
  return socketDir !== join(dir, 'socket');
}

/**
 * Creates a short socket folder privately (0700) and refuses one that is not a plain folder
 * (a symlink or file planted under /tmp by someone else).
 */
export async function prepareShortSocketDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const stat = lstatSync(path);
  if (!stat.isDirectory() || stat.isSymbolicLink()) {
    throw new ConfigError('socket folder', `${path} exists and is not a plain folder: refusing to use it`);
  }
  await chmod(path, 0o700);
}

export async function removeShortSocketDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
