import type { ManifestIntegrity } from './manifestDigest.js';
import type { Check } from './report.js';
import type { SourceFacts } from './sourceFacts.js';

/** Per-table facts captured from the source in one consistent view. */
export interface TableFingerprint {
  /** schema-qualified, e.g. "public.pgbench_accounts" */
  table: string;
  rows: number;
  /** Order-independent checksum of every row (sum of 64-bit row hashes, as a decimal string). */
  checksum: string;
  /**
   * How rows were hashed: "record" hashes each column's value with its type's hash function
   * (hash_record_extended, faster); "text" hashes the row's text form, for tables with a column
   * type that has no hash function. Absent means "text" (manifests from before this field).
   */
  hash?: RowHash;
}

export type RowHash = 'record' | 'text';

/** What a restored database must match. Captured by the backup job from the source. */
export interface Manifest {
  system: string;
  backupId: string;
  capturedAt: string;
  postgresVersion: string;
  /** Newest row of the migrations table, or null when the table is absent/empty. */
  migrationHead: string | null;
  tables: TableFingerprint[];
  /** The named restore point written while the manifest's tables were held still (local target). */
  restorePoint?: { name: string; lsn: string; time: string };
  /** Settings, libraries, encodings and extensions a faithful copy must reproduce (absent in older manifests). */
  source?: SourceFacts;
  /** Digest (and optional HMAC) over every other field, written by the backup (manifestDigest.ts). */
  integrity?: ManifestIntegrity;
}

/**
 * Compares a restored database's fingerprints with the manifest. Returns one check per
 * property (counts, checksums, migration head, version) whose detail names every mismatch.
 */
export function compareManifest(
  expected: Manifest,
  actual: Pick<Manifest, 'tables' | 'migrationHead' | 'postgresVersion'>,
): Check[] {
  const found = new Map(actual.tables.map((t) => [t.table, t]));
  const missing = expected.tables.filter((t) => !found.has(t.table)).map((t) => t.table);
  const countDiffs: string[] = [];
  const sumDiffs: string[] = [];
  for (const want of expected.tables) {
    const got = found.get(want.table);
    if (!got) continue;
    if (got.rows !== want.rows)
      countDiffs.push(`${want.table}: expected ${want.rows} rows, found ${got.rows}`);
    if (got.checksum !== want.checksum) sumDiffs.push(`${want.table}: checksum differs`);
  }
  const missingNote = missing.length > 0 ? `missing tables: ${missing.join(', ')}` : '';
  const n = expected.tables.length;
  return [
    {
      name: 'row-counts',
      outcome: countDiffs.length === 0 && missing.length === 0 ? 'passed' : 'failed',
      detail:
        joinDetail([missingNote, ...countDiffs]) ||
        `${n} tables, ${totalRows(expected)} rows match the manifest`,
    },
    {
      name: 'checksums',
      outcome: sumDiffs.length === 0 && missing.length === 0 ? 'passed' : 'failed',
      detail: joinDetail([missingNote, ...sumDiffs]) || `${n} table checksums match the manifest`,
    },
    {
      name: 'migration-head',
      outcome: expected.migrationHead === actual.migrationHead ? 'passed' : 'failed',
      detail:
        expected.migrationHead === actual.migrationHead
          ? `at ${expected.migrationHead ?? '(no migrations table)'}`
          : `expected ${expected.migrationHead ?? '(none)'}, found ${actual.migrationHead ?? '(none)'}`,
    },
    {
      name: 'postgres-version',
      outcome:
        majorVersion(expected.postgresVersion) === majorVersion(actual.postgresVersion) ? 'passed' : 'failed',
      detail: `source ${expected.postgresVersion}, restored ${actual.postgresVersion}`,
    },
  ];
}

function totalRows(manifest: Manifest): number {
  return manifest.tables.reduce((sum, t) => sum + t.rows, 0);
}

function joinDetail(parts: string[]): string {
  return parts.filter((p) => p.length > 0).join('; ');
}

function majorVersion(version: string): string {
  return version.split('.')[0] ?? version;
}
