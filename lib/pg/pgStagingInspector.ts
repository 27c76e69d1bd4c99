import type pg from 'pg';
import type { Manifest } from '../core/manifest.js';
import type { Check } from '../core/report.js';
import { compareSourceFacts } from '../core/sourceFacts.js';
import type { StagingHandle, StagingInspector } from '../ports.js';
import { withClient } from './connection.js';
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

  async fingerprint(handle: StagingHandle, manifest: Manifest) {
    const facts = await withClient(handle.connectionString, async (client) => {
      // A table missing from the restore is a verification failure, not a crash: fingerprint what exists.
      const { rows } = await client.query<{ name: string }>(
        'SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL',
        [manifest.tables.map((t) => t.table)],
      );
      return {
        present: rows.map((r) => r.name),
        migrationHead: await migrationHead(client, this.options.migrationsTable),
        postgresVersion: await serverVersion(client),
      };
    });
    // Hash each table the way the manifest did (older manifests hashed the text form).
    const tables = await fingerprintTables(handle.connectionString, facts.present, {
      parallel: this.options.parallel ?? 2,
      hashes: new Map(manifest.tables.map((t) => [t.table, t.hash ?? 'text'])),
    });
    return { tables, migrationHead: facts.migrationHead, postgresVersion: facts.postgresVersion };
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

  async integrityChecks(handle: StagingHandle): Promise<Check[]> {
    const [amcheck, custom] = await Promise.all([
      amcheckIndexes(handle.connectionString, this.options.parallel ?? 2),
      withClient(handle.connectionString, (client) => runCustomChecks(client, this.options.checks)),
    ]);
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
