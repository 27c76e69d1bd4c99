import type { Check } from './report.js';
import { RECOVERY_PARAMETERS, type RecoveryValues } from './stagingSettings.js';

/**
 * What a faithful copy of the source must reproduce, captured by the backup with the manifest:
 * the settings recovery needs at least as high as the source's, the libraries the server preloads,
 * the version, and per database its encoding, collation and extensions.
 */
export interface SourceFacts {
  serverVersion: string;
  /** The recovery parameters (lib/core/stagingSettings.ts) as the source runs them. */
  recovery: RecoveryValues;
  walLevel: string;
  /** shared_preload_libraries, as a list. */
  preloadLibraries: string[];
  databases: DatabaseFacts[];
}

export interface DatabaseFacts {
  name: string;
  encoding: string;
  collate: string;
  ctype: string;
  extensions: Array<{ name: string; version: string }>;
}

/** What the same questions answer on the restored staging copy. */
export interface StagingFacts {
  recovery: RecoveryValues;
  preloadLibraries: string[];
  databases: Array<
    Omit<DatabaseFacts, 'extensions'> & {
      extensions: Array<{ name: string; version: string; loadError: string | null }>;
    }
  >;
  /** Databases of the manifest the staging login could not reach, with the server's message. */
  unreachable: Array<{ name: string; error: string }>;
}

/** shared_preload_libraries' text ("a, 'b'") as a list. */
export function parseLibraryList(value: string): string[] {
  return value
    .split(',')
    .map((part) =>
      part
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .replace(/^'(.*)'$/, '$1'),
    )
    .filter((part) => part.length > 0);
}

/**
 * Compares the restored copy with the source: staging's recovery parameters are at least the
 * source's, it preloads every library the source preloads, and each database has the source's
 * encoding, collation and extensions (same versions), each of whose libraries loads. One check
 * per property; every detail names what differs.
 */
export function compareSourceFacts(source: SourceFacts, staging: StagingFacts): Check[] {
  const low = RECOVERY_PARAMETERS.filter((name) => {
    const want = source.recovery[name];
    const got = staging.recovery[name];
    return want !== undefined && (got === undefined || got < want);
  }).map((name) => `${name} ${staging.recovery[name] ?? '(unknown)'} < source ${source.recovery[name]}`);
  const missingLibraries = source.preloadLibraries.filter((lib) => !staging.preloadLibraries.includes(lib));

  const encodingDiffs: string[] = [];
  const extensionDiffs: string[] = [];
  let extensionCount = 0;
  const restored = new Map(staging.databases.map((d) => [d.name, d]));
  for (const unreachable of staging.unreachable) {
    extensionDiffs.push(`database ${unreachable.name}: not reachable on staging (${unreachable.error})`);
  }
  for (const db of source.databases) {
    const copy = restored.get(db.name);
    if (!copy) {
      if (!staging.unreachable.some((u) => u.name === db.name)) {
        encodingDiffs.push(`database ${db.name}: missing on staging`);
      }
      continue;
    }
    for (const field of ['encoding', 'collate', 'ctype'] as const) {
      if (db[field] !== copy[field]) {
        encodingDiffs.push(`database ${db.name}: ${field} ${copy[field]}, source ${db[field]}`);
      }
    }
    const extensions = new Map(copy.extensions.map((e) => [e.name, e]));
    for (const ext of db.extensions) {
      extensionCount += 1;
      const got = extensions.get(ext.name);
      if (!got) extensionDiffs.push(`database ${db.name}: extension ${ext.name} missing`);
      else if (got.version !== ext.version)
        extensionDiffs.push(
          `database ${db.name}: extension ${ext.name} ${got.version}, source ${ext.version}`,
        );
      else if (got.loadError)
        extensionDiffs.push(
          `database ${db.name}: extension ${ext.name} ${ext.version} cannot be loaded: ${got.loadError}`,
        );
    }
  }
  return [
    {
      name: 'staging-settings',
      outcome: low.length === 0 && missingLibraries.length === 0 ? 'passed' : 'failed',
      detail:
        [
          ...low,
          ...(missingLibraries.length > 0
            ? [`shared_preload_libraries lacks ${missingLibraries.join(', ')}`]
            : []),
        ].join('; ') ||
        `recovery parameters at least the source's; preloads ${source.preloadLibraries.join(', ') || '(none)'}`,
    },
    {
      name: 'encoding',
      outcome: encodingDiffs.length === 0 ? 'passed' : 'failed',
      detail:
        encodingDiffs.join('; ') ||
        `${source.databases.length} database(s) with the source's encoding and collation`,
    },
    {
      name: 'extensions',
      outcome: extensionDiffs.length === 0 ? 'passed' : 'failed',
      detail:
        extensionDiffs.join('; ') ||
        `${extensionCount} extension(s) in ${source.databases.length} database(s) present at the source's versions and loadable`,
    },
  ];
}
