import { describe, expect, it } from 'vitest';
import { findPgpassPassword, parsePgpass, pgpassTooOpen } from '../../lib/core/pgpass.js';

const target = { host: 'db.internal', port: '5432', database: 'shop', username: 'backup' };

describe('parsePgpass / findPgpassPassword (libpq rules)', () => {
  it('finds the first line whose four fields match, with * matching anything', () => {
    const entries = parsePgpass(
      [
        '# comment line',
        '',
        'other.host:5432:shop:backup:not-this',
        'db.internal:5432:shop:backup:first',
        'db.internal:*:*:backup:second',
      ].join('\n'),
    );
    expect(findPgpassPassword(entries, target)).toBe('first');
    expect(findPgpassPassword(entries, { ...target, port: '6543', database: 'x' })).toBe('second');
    expect(findPgpassPassword(entries, { ...target, username: 'app' })).toBeUndefined();
  });

  it('de-escapes \\: and \\\\ in every field, and ends the password at an unescaped colon', () => {
    const entries = parsePgpass('db.internal:5432:sh\\:op:backup:pa\\:ss\\\\word:ignored\r\n');
    expect(findPgpassPassword(entries, { ...target, database: 'sh:op' })).toBe('pa:ss\\word');
    expect(findPgpassPassword(entries, target)).toBeUndefined();
  });

  it('treats an escaped \\* as a literal star, not a wildcard, and a * password literally', () => {
    const entries = parsePgpass('\\*:5432:shop:backup:x\n*:*:*:*:*');
    expect(findPgpassPassword(entries, target)).toBe('*');
    expect(findPgpassPassword(entries, { ...target, host: '*' })).toBe('x');
  });

  it('matches a Unix-socket or host-less connection as localhost', () => {
    const entries = parsePgpass('localhost:5432:shop:backup:local');
    expect(findPgpassPassword(entries, { ...target, host: '' })).toBe('local');
    expect(findPgpassPassword(entries, { ...target, host: '/var/run/postgresql' })).toBe('local');
    expect(findPgpassPassword(entries, { ...target, host: '127.0.0.1' })).toBeUndefined();
  });

  it('skips lines with fewer than five fields', () => {
    expect(parsePgpass('db:5432:shop:backup\nok:1:2:3:4')).toHaveLength(1);
  });

  it('calls a file with group or world access too open, as libpq does', () => {
    expect(pgpassTooOpen(0o100600)).toBe(false);
    expect(pgpassTooOpen(0o100400)).toBe(false);
    expect(pgpassTooOpen(0o100640)).toBe(true);
    expect(pgpassTooOpen(0o100604)).toBe(true);
  });
});
