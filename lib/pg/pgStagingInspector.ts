import type pg from 'pg';
import type { Manifest, RestoredFingerprint, TableFingerprint } from '../core/manifest.js';
import type { Check } from '../core/report.js';
import { compareSourceFacts } from '../core/sourceFacts.js';
import type { StagingHandle, StagingInspector } from '../ports.js';
import { withClient } from './connection.js';
import { currentDatabase, urlInDatabase } from './databases.js';
import { fingerprintTables, migrationHead, serverVersion } from './fingerprint.js';
import { newestHeartbeat } from './heartbeat.js';
import { type MaskingRule, maskPii } from './masking.js';
import { readStagingFacts } from './sourceFacts.js';
import { amcheckIndexes, type CustomCheck, runCustomChecks } from './verify.js';

export interface PgStagingInspectorOptions {
  system: string;
  heartbeatTable: string;
  migrationsTable?: string | undefined;
  checks: CustomCheck[];
  masking: MaskingRule[];
  /** Connections used to fingerprint tables in parallel. */
  parallel?: number;
  /**
   * Refuses to mask anything that is not drill-made staging. Default: the server's staging mark
   * (lib/pg/masking.ts); the AWS target checks the restored instance's drill tags instead.
   */
  stagingGuard?: (handle: StagingHandle, client: pg.Client) => Promise<void>;
}

/** Reads a restored database through pg: the same code for a local staging cluster and an RDS restore. */
export class PgStagingInspector implements StagingInspector {
  constructor(private readonly options: PgStagingInspectorOptions) {}

  /**
   * Fingerprints the manifest's tables in each of its databases (same login, the database name
   * swapped in the URL); tables of manifests from before `database` are read in the URL's. A
   * database or table missing from the restore is left out, for compareManifest to name.
   */
  async fingerprint(handle: StagingHandle, manifest: Manifest): Promise<RestoredFingerprint> {
    const facts = await withClient(handle.connectionString, async (client) => ({
      home: await currentDatabase(client),
      migrationHead: await migrationHead(client, this.options.migrationsTable),
      postgresVersion: await serverVersion(client),
    }));
    const tables: TableFingerprint[] = [];
    const present: string[] = [];
    for (const [database, wanted] of byDatabase(manifest)) {
      const found = await this.fingerprintDatabase(
        urlInDatabase(handle.connectionString, facts.home, database),
        wanted,
      );
      if (found === null) continue;
      if (database !== undefined) present.push(database);
      tables.push(...found.map((t) => (database === undefined ? t : { ...t, database })));
    }
    return {
      tables,
      migrationHead: facts.migrationHead,
      postgresVersion: facts.postgresVersion,
      databases: present,
    };
  }

  /** The tables of one database that exist there, hashed as the manifest did; null: no such database. */
  private async fingerprintDatabase(
    url: string,
    wanted: TableFingerprint[],
  ): Promise<TableFingerprint[] | null> {
    let existing: string[];
    try {
      existing = await withClient(url, async (client) => {
        const { rows } = await client.query<{ name: string }>(
          'SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL',
          [wanted.map((t) => t.table)],
        );
        return rows.map((r) => r.name);
      });
    } catch (error) {
      if ((error as { code?: string }).code === INVALID_CATALOG_NAME) return null;
      throw error;
    }
    // Hash each table the way the manifest did (older manifests hashed the text form).
    return fingerprintTables(url, existing, {
      parallel: this.options.parallel ?? 2,
      hashes: new Map(wanted.map((t) => [t.table, t.hash ?? 'text'])),
    });
  }

  async sourceFidelity(handle: StagingHandle, manifest: Manifest): Promise<Check[]> {
    if (!manifest.source) {
      return [
        {
          name: 'staging-settings',
          outcome: 'skipped',
          detail: 'the manifest predates source facts (settings, extensions): take a new backup',
        },
      ];
    }
    const databases = manifest.source.databases.map((d) => d.name);
    return compareSourceFacts(manifest.source, await readStagingFacts(handle.connectionString, databases));
  }

  /**
   * amcheck in every database the manifest covers (one check, each database named when there
   * are several), and each SQL check in its own database (default: the URL's).
   */
  async integrityChecks(handle: StagingHandle, manifest: Manifest): Promise<Check[]> {
    const home = await withClient(handle.connectionString, currentDatabase);
    const databases = manifest.databases?.length ? manifest.databases : [home];
    const urlOf = (database: string | undefined) => urlInDatabase(handle.connectionString, home, database);
    const amchecks: Check[] = [];
    for (const database of databases) {
      amchecks.push(await amcheckIndexes(urlOf(database), this.options.parallel ?? 2));
    }
    const custom: Check[] = [];
    for (const check of this.options.checks) {
      custom.push(...(await withClient(urlOf(check.database), (client) => runCustomChecks(client, [check]))));
    }
    const amcheck: Check =
      databases.length === 1
        ? amchecks[0]!
        : {
            name: 'amcheck',
            outcome: amchecks.every((c) => c.outcome === 'passed') ? 'passed' : 'failed',
            detail: amchecks.map((c, i) => `${databases[i]}: ${c.detail}`).join('; '),
          };
    return [amcheck, ...custom];
  }

  async newestHeartbeat(handle: StagingHandle): Promise<Date | null> {
    return withClient(handle.connectionString, (client) =>
      newestHeartbeat(client, this.options.heartbeatTable, this.options.system),
    );
  }

  async mask(handle: StagingHandle): Promise<Check> {
    const guard = this.options.stagingGuard;
    const results = await withClient(handle.connectionString, (client) =>
      maskPii(client, this.options.masking, guard ? (c) => guard(handle, c) : undefined),
    );
    return {
      name: 'pii-masking',
      outcome: 'passed',
      detail: results
        .map((r) => `${r.rule.table}.${r.rule.column} (${r.rule.strategy}): ${r.rows} rows`)
        .join('; '),
    };
  }
}

/** Postgres' "database does not exist". */
const INVALID_CATALOG_NAME = '3D000';

/** The manifest's tables by database, in the manifest's database order (undefined: the URL's database). */
function byDatabase(manifest: Manifest): Map<string | undefined, TableFingerprint[]> {
  const groups = new Map<string | undefined, TableFingerprint[]>();
  for (const database of manifest.databases ?? []) groups.set(database, []);
  for (const t of manifest.tables) {
    const group = groups.get(t.database) ?? [];
    group.push(t);
    groups.set(t.database, group);
  }
  return groups;
}
