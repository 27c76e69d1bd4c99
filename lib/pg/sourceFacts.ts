import pg from 'pg';
import { describeError } from '../core/errors.js';
import {
  type DatabaseFacts,
  parseLibraryList,
  type SourceFacts,
  type StagingFacts,
} from '../core/sourceFacts.js';
import { RECOVERY_PARAMETERS, type RecoveryValues } from '../core/stagingSettings.js';
import { withClient } from './connection.js';
import { databaseUrl } from './databases.js';

async function recoveryValues(client: pg.Client): Promise<RecoveryValues> {
  const { rows } = await client.query<{ name: string; setting: string }>(
    'SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])',
    [[...RECOVERY_PARAMETERS]],
  );
  const values: RecoveryValues = {};
  for (const row of rows) values[row.name as keyof RecoveryValues] = Number(row.setting);
  return values;
}

async function databaseRow(client: pg.Client, name: string) {
  const { rows } = await client.query<{ encoding: string; collate: string; ctype: string }>(
    `SELECT pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype
       FROM pg_database WHERE datname = $1`,
    [name],
  );
  return rows[0] ?? null;
}

async function extensions(client: pg.Client): Promise<Array<{ name: string; version: string }>> {
  const { rows } = await client.query<{ name: string; version: string }>(
    `SELECT extname AS name, extversion AS version FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1`,
  );
  return rows;
}

/**
 * Reads the source's facts for a faithful copy (lib/core/sourceFacts.ts), for the databases the
 * manifest covers (lib/pg/databases.ts chose them); one whose extensions cannot be read is left out.
 */
export async function captureSourceFacts(url: string, covered: readonly string[]): Promise<SourceFacts> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ version: string; preload: string; wal_level: string }>(
      `SELECT current_setting('server_version') AS version,
              current_setting('shared_preload_libraries') AS preload,
              current_setting('wal_level') AS wal_level`,
    );
    const facts = rows[0]!;
    const databases: DatabaseFacts[] = [];
    for (const name of covered) {
      const row = await databaseRow(client, name);
      if (!row) continue;
      const exts = await withClient(databaseUrl(url, name), extensions).catch(() => null);
      if (exts) databases.push({ name, ...row, extensions: exts });
    }
    return {
      serverVersion: facts.version.split(' ')[0]!,
      recovery: await recoveryValues(client),
      walLevel: facts.wal_level,
      preloadLibraries: parseLibraryList(facts.preload),
      databases,
    };
  });
}

/** The C libraries an extension's functions live in ($libdir/name). */
async function extensionLibraries(client: pg.Client, extension: string): Promise<string[]> {
  const { rows } = await client.query<{ probin: string }>(
    `SELECT DISTINCT p.probin FROM pg_proc p
       JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
       JOIN pg_extension e ON e.oid = d.refobjid
      WHERE e.extname = $1 AND p.probin IS NOT NULL ORDER BY 1`,
    [extension],
  );
  return rows.map((r) => r.probin);
}

/** Loads each library; null when all load, else the server's message. Needs a superuser login. */
async function loadError(client: pg.Client, libraries: readonly string[]): Promise<string | null> {
  for (const library of libraries) {
    try {
      await client.query(`LOAD ${pg.escapeLiteral(library)}`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '42501') return null; // not a superuser: LOAD is refused, not a missing library
      return describeError(error);
    }
  }
  return null;
}

/** The same facts read on the restored staging copy, for the manifest's databases. */
export async function readStagingFacts(url: string, databases: readonly string[]): Promise<StagingFacts> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ preload: string }>(
      `SELECT current_setting('shared_preload_libraries') AS preload`,
    );
    const facts: StagingFacts = {
      recovery: await recoveryValues(client),
      preloadLibraries: parseLibraryList(rows[0]!.preload),
      databases: [],
      unreachable: [],
    };
    for (const name of databases) {
      const row = await databaseRow(client, name);
      if (!row) continue;
      try {
        const exts = await withClient(databaseUrl(url, name), async (db) => {
          const found = [];
          for (const ext of await extensions(db)) {
            found.push({ ...ext, loadError: await loadError(db, await extensionLibraries(db, ext.name)) });
          }
          return found;
        });
        facts.databases.push({ name, ...row, extensions: exts });
      } catch (error) {
        facts.unreachable.push({ name, error: describeError(error) });
      }
    }
    return facts;
  });
}
