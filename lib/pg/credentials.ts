import { readFileSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ConfigError, describeError } from '../core/errors.js';
import { findPgpassPassword, parsePgpass, pgpassTooOpen } from '../core/pgpass.js';

/**
 * Where a source URL without a password gets one, resolved once (at start-up) into the URL every
 * login uses: pg_basebackup, the manifest and heartbeat connections, and the staging copy (which
 * is logged into with the source's credentials at another port, so a later lookup by host and
 * port would not find them). In order: the URL itself, `database.passwordEnv` (an environment
 * variable's name), `database.passwordFile` (a file holding only the password), PGPASSWORD, then
 * libpq's password file (PGPASSFILE, else ~/.pgpass). The password is never logged, and errors
 * name where the lookup looked, never the value.
 */
export interface PasswordSettings {
  /** Name of an environment variable holding the password. */
  passwordEnv?: string | undefined;
  /** A file holding the password (one line; a trailing newline is dropped). */
  passwordFile?: string | undefined;
}

export interface CredentialEnvironment {
  env: Record<string, string | undefined>;
  home: string;
  osUser: string;
  warn: (message: string) => void;
}

export interface ResolvedCredentials {
  /** The URL with the user and (when one was found) the password filled in. */
  url: string;
  /** Where the password came from ("url", "passwordEnv LABEL", "PGPASSFILE /path", ...) or "none". */
  passwordFrom: string;
}

export function processCredentialEnvironment(warn: (message: string) => void): CredentialEnvironment {
  return { env: process.env, home: homedir(), osUser: userInfo().username, warn };
}

export function resolveSourceCredentials(
  sourceUrl: string,
  settings: PasswordSettings,
  io: CredentialEnvironment,
): ResolvedCredentials {
  const parsed = new URL(sourceUrl);
  const username = decodeURIComponent(parsed.username) || io.env['PGUSER'] || io.osUser;
  parsed.username = encodeURIComponent(username);
  if (parsed.password) return { url: parsed.toString(), passwordFrom: 'url' };
  if (settings.passwordEnv && settings.passwordFile) {
    throw new ConfigError('database.passwordEnv', 'give either passwordEnv or passwordFile, not both');
  }
  const found = explicitPassword(settings, io) ?? ambientPassword(parsed, username, io);
  if (!found) {
    const passFile = io.env['PGPASSFILE'] || join(io.home, '.pgpass');
    io.warn(
      `no password for ${username}@${parsed.host || 'localhost'} in the URL, database.passwordEnv/passwordFile, PGPASSWORD or ${passFile}: connecting without one`,
    );
    return { url: parsed.toString(), passwordFrom: 'none' };
  }
  parsed.password = encodeURIComponent(found.password);
  return { url: parsed.toString(), passwordFrom: found.from };
}

type Found = { password: string; from: string } | undefined;

function explicitPassword(settings: PasswordSettings, io: CredentialEnvironment): Found {
  if (settings.passwordEnv) {
    const value = io.env[settings.passwordEnv];
    if (!value)
      throw new ConfigError(
        'database.passwordEnv',
        `environment variable ${settings.passwordEnv} is not set or empty`,
      );
    return { password: value, from: `passwordEnv ${settings.passwordEnv}` };
  }
  if (settings.passwordFile) {
    let text: string;
    try {
      text = readFileSync(settings.passwordFile, 'utf8');
    } catch (error) {
      throw new ConfigError(
        'database.passwordFile',
        `cannot read ${settings.passwordFile}: ${describeError(error)}`,
        {
          cause: error,
        },
      );
    }
    const password = text.replace(/\r?\n$/, '');
    if (!password) throw new ConfigError('database.passwordFile', `${settings.passwordFile} is empty`);
    return { password, from: `passwordFile ${settings.passwordFile}` };
  }
  return undefined;
}

function ambientPassword(parsed: URL, username: string, io: CredentialEnvironment): Found {
  const fromEnv = io.env['PGPASSWORD'];
  if (fromEnv) return { password: fromEnv, from: 'PGPASSWORD' };
  const file = io.env['PGPASSFILE'] || join(io.home, '.pgpass');
  const label = io.env['PGPASSFILE'] ? `PGPASSFILE ${file}` : file;
  let mode: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return undefined;
    mode = stat.mode;
  } catch {
    return undefined;
  }
  if (pgpassTooOpen(mode)) {
    io.warn(
      `WARNING: password file "${file}" has group or world access; permissions should be u=rw (0600) or less: ignored`,
    );
    return undefined;
  }
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    io.warn(`WARNING: password file "${file}" could not be read: ${describeError(error)}`);
    return undefined;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || io.env['PGHOST'] || '';
  const password = findPgpassPassword(parsePgpass(content), {
    host,
    port: parsed.port || io.env['PGPORT'] || '5432',
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || io.env['PGDATABASE'] || username,
    username,
  });
  return password === undefined ? undefined : { password, from: label };
}
