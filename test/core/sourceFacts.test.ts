import { describe, expect, it } from 'vitest';
import {
  compareSourceFacts,
  parseLibraryList,
  type SourceFacts,
  type StagingFacts,
} from '../../lib/core/sourceFacts.js';

const source: SourceFacts = {
  serverVersion: '15.18',
  recovery: { max_connections: 300, max_worker_processes: 16 },
  walLevel: 'replica',
  preloadLibraries: ['pg_stat_statements'],
  databases: [
    {
      name: 'shop',
      encoding: 'UTF8',
      collate: 'en_US.UTF-8',
      ctype: 'en_US.UTF-8',
      extensions: [{ name: 'pg_stat_statements', version: '1.10' }],
    },
    { name: 'billing', encoding: 'UTF8', collate: 'C', ctype: 'C', extensions: [] },
  ],
};

function faithful(): StagingFacts {
  return {
    recovery: { max_connections: 300, max_worker_processes: 16 },
    preloadLibraries: ['pg_stat_statements'],
    databases: source.databases.map((d) => ({
      ...d,
      extensions: d.extensions.map((e) => ({ ...e, loadError: null })),
    })),
    unreachable: [],
  };
}

const outcomes = (checks: ReturnType<typeof compareSourceFacts>) =>
  Object.fromEntries(checks.map((c) => [c.name, c.outcome]));

describe('source facts on the restored copy', () => {
  it('passes a copy that reproduces the source', () => {
    expect(outcomes(compareSourceFacts(source, faithful()))).toEqual({
      'staging-settings': 'passed',
      encoding: 'passed',
      extensions: 'passed',
    });
  });

  it('fails an extension whose library cannot be loaded, naming database, extension and error', () => {
    const staging = faithful();
    staging.databases[0]!.extensions[0]!.loadError = 'could not access file "$libdir/pg_stat_statements"';
    const extensions = compareSourceFacts(source, staging).find((c) => c.name === 'extensions')!;
    expect(extensions.outcome).toBe('failed');
    expect(extensions.detail).toBe(
      'database shop: extension pg_stat_statements 1.10 cannot be loaded: could not access file "$libdir/pg_stat_statements"',
    );
  });

  it('fails missing extensions, other versions, other collations and lower settings', () => {
    const staging = faithful();
    staging.databases[0]!.extensions = [{ name: 'pg_stat_statements', version: '1.9', loadError: null }];
    staging.databases[1]!.collate = 'en_US.UTF-8';
    staging.recovery.max_connections = 100;
    staging.preloadLibraries = [];
    const checks = compareSourceFacts(source, staging);
    expect(checks.map((c) => c.detail)).toEqual([
      'max_connections 100 < source 300; shared_preload_libraries lacks pg_stat_statements',
      'database billing: collate en_US.UTF-8, source C',
      'database shop: extension pg_stat_statements 1.9, source 1.10',
    ]);
  });

  it('names a database the staging login could not reach', () => {
    const staging = faithful();
    staging.databases = staging.databases.filter((d) => d.name !== 'billing');
    staging.unreachable = [{ name: 'billing', error: 'permission denied for database "billing"' }];
    const extensions = compareSourceFacts(source, staging).find((c) => c.name === 'extensions')!;
    expect(extensions.outcome).toBe('failed');
    expect(extensions.detail).toContain('database billing: not reachable on staging');
  });

  it('reads shared_preload_libraries lists the way the server writes them', () => {
    expect(parseLibraryList('pg_stat_statements, \'auto_explain\',"pg_cron"')).toEqual([
      'pg_stat_statements',
      'auto_explain',
      'pg_cron',
    ]);
    expect(parseLibraryList('')).toEqual([]);
  });
});
