/**
 * libpq's password file (~/.pgpass, PGPASSFILE), parsed and matched the way libpq does it. Pure:
 * reading the file (and its permission check) happens at the edge, in lib/pg/credentials.ts.
 *
 * Format: one `hostname:port:database:username:password` per line; `*` as a whole field matches
 * anything; `\:` and `\\` stand for `:` and `\`; lines starting with `#` are comments. The first
 * matching line wins. A connection over a Unix socket (or with no host) matches `localhost`.
 */
export interface PgpassEntry {
  host: string;
  port: string;
  database: string;
  username: string;
  password: string;
}

/** What a connection is to, for looking its password up. */
export interface PgpassTarget {
  host: string;
  port: string;
  database: string;
  username: string;
}

/** Splits a line on unescaped colons, de-escaping `\x` to `x`; `*` fields stay marked as wildcards. */
function splitFields(line: string): { text: string; wildcard: boolean }[] {
  const fields: { text: string; wildcard: boolean }[] = [];
  let text = '';
  let raw = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      text += line[i + 1];
      raw += c + line[i + 1];
      i++;
    } else if (c === ':') {
      fields.push({ text, wildcard: raw === '*' });
      text = '';
      raw = '';
    } else {
      text += c;
      raw += c;
    }
  }
  fields.push({ text, wildcard: raw === '*' });
  return fields;
}

const WILDCARD = '\u0000*';

/** Every usable line of a password file, in order (comments, blank and short lines skipped). */
export function parsePgpass(content: string): PgpassEntry[] {
  const entries: PgpassEntry[] = [];
  for (const rawLine of content.split(/\r?\n/)) {
    if (rawLine.trim() === '' || rawLine.startsWith('#')) continue;
    const fields = splitFields(rawLine);
    if (fields.length < 5) continue;
    const [host, port, database, username] = fields.map((f) => (f.wildcard ? WILDCARD : f.text));
    entries.push({
      host: host!,
      port: port!,
      database: database!,
      username: username!,
      // libpq: the password is the fifth field (it ends at an unescaped colon); a "*" there is literal.
      password: fields[4]!.text,
    });
  }
  return entries;
}

function matches(pattern: string, value: string): boolean {
  return pattern === WILDCARD || pattern === value;
}

/** The password of the first entry matching the target, if any. */
export function findPgpassPassword(
  entries: readonly PgpassEntry[],
  target: PgpassTarget,
): string | undefined {
  const host = target.host === '' || target.host.startsWith('/') ? 'localhost' : target.host;
  const entry = entries.find(
    (e) =>
      matches(e.host, host) &&
      matches(e.port, target.port) &&
      matches(e.database, target.database) &&
      matches(e.username, target.username),
  );
  return entry?.password;
}

/** libpq refuses a password file that group or others can read (or write): permissions above 0600. */
export function pgpassTooOpen(mode: number): boolean {
  return (mode & 0o077) !== 0;
}
