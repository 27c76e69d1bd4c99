import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/core/errors.js';
import { type CredentialEnvironment, resolveSourceCredentials } from '../../lib/pg/credentials.js';

const dir = mkdtempSync(join(tmpdir(), 'drillbook-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(env: Record<string, string | undefined> = {}): CredentialEnvironment & { warnings: string[] } {
  const warnings: string[] = [];
  return { env, home: join(dir, 'nohome'), osUser: 'osuser', warn: (m) => warnings.push(m), warnings };
}

function file(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

const passwordOf = (url: string) => decodeURIComponent(new URL(url).password);
const url = 'postgres://backup@db.internal:5432/shop';

describe('resolveSourceCredentials', () => {
  it('keeps a password that is already in the URL', () => {
    const r = resolveSourceCredentials('postgres://u:in%40url@db/shop', { passwordEnv: 'X' }, io({ X: 'x' }));
    expect(passwordOf(r.url)).toBe('in@url');
    expect(r.passwordFrom).toBe('url');
  });

  it('takes passwordEnv, then passwordFile, then PGPASSWORD, then the password file', () => {
    const pgpass = file('pgpass-order', 'db.internal:5432:shop:backup:from-pgpass\n');
    const env = { SHOP_PW: 'from-env', PGPASSWORD: 'from-pgpassword', PGPASSFILE: pgpass };
    expect(passwordOf(resolveSourceCredentials(url, { passwordEnv: 'SHOP_PW' }, io(env)).url)).toBe(
      'from-env',
    );
    const pwFile = file('pw', 'from-file\n');
    const fromFile = resolveSourceCredentials(url, { passwordFile: pwFile }, io(env));
    expect(passwordOf(fromFile.url)).toBe('from-file');
    expect(fromFile.passwordFrom).toBe(`passwordFile ${pwFile}`);
    expect(passwordOf(resolveSourceCredentials(url, {}, io(env)).url)).toBe('from-pgpassword');
    const viaFile = resolveSourceCredentials(url, {}, io({ PGPASSFILE: pgpass }));
    expect(passwordOf(viaFile.url)).toBe('from-pgpass');
    expect(viaFile.passwordFrom).toBe(`PGPASSFILE ${pgpass}`);
  });

  it('reads ~/.pgpass when PGPASSFILE is not set, matching user, default port and database', () => {
    const env = io({ PGUSER: 'app' });
    env.home = dir;
    file('.pgpass', 'db.internal:5432:app:app:from-home\n');
    // No user in the URL: PGUSER; no database: the user's name; no port: 5432.
    const r = resolveSourceCredentials('postgres://db.internal', {}, env);
    expect(new URL(r.url).username).toBe('app');
    expect(passwordOf(r.url)).toBe('from-home');
  });

  it('ignores a password file others can read, with a warning that names it but not the password', () => {
    const open = file('pgpass-open', 'db.internal:5432:shop:backup:secret-value\n', 0o644);
    const env = io({ PGPASSFILE: open });
    const r = resolveSourceCredentials(url, {}, env);
    expect(r.passwordFrom).toBe('none');
    expect(new URL(r.url).password).toBe('');
    expect(env.warnings).toEqual([
      `WARNING: password file "${open}" has group or world access; permissions should be u=rw (0600) or less: ignored`,
      `no password for backup@db.internal:5432 in the URL, database.passwordEnv/passwordFile, PGPASSWORD or ${open}: connecting without one`,
    ]);
    expect(env.warnings.join()).not.toContain('secret-value');
  });

  it('fills in the user (PGUSER, else the OS user) so staging gets the same login', () => {
    expect(new URL(resolveSourceCredentials('postgres://db/shop', {}, io()).url).username).toBe('osuser');
  });

  it('encodes passwords with URL-special characters so every consumer decodes the same text', () => {
    const tricky = 'p@ss:w/rd%41?#';
    const r = resolveSourceCredentials(url, { passwordEnv: 'PW' }, io({ PW: tricky }));
    expect(passwordOf(r.url)).toBe(tricky);
  });

  it('names the setting and where it looked when an explicit source fails, never a value', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected an error');
    };
    const missingEnv = err(() => resolveSourceCredentials(url, { passwordEnv: 'NOPE' }, io()));
    expect(missingEnv).toBeInstanceOf(ConfigError);
    expect(missingEnv.message).toBe('database.passwordEnv: environment variable NOPE is not set or empty');
    const missingFile = err(() => resolveSourceCredentials(url, { passwordFile: join(dir, 'absent') }, io()));
    expect(missingFile.message).toMatch(/^database\.passwordFile: cannot read .*absent: ENOENT/);
    expect(
      err(() => resolveSourceCredentials(url, { passwordFile: file('empty', '\n') }, io())).message,
    ).toMatch(/is empty$/);
    expect(
      err(() => resolveSourceCredentials(url, { passwordEnv: 'A', passwordFile: 'b' }, io({ A: 'a' }))).field,
    ).toBe('database.passwordEnv');
  });
});
