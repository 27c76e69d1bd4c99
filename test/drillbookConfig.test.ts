import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaryConfigSchema } from '../lib/core/canary/canaryConfig.js';
import { ConfigError } from '../lib/core/errors.js';
import { loadConfig, parseConfig, parseWith } from '../lib/drillbookConfig.js';

const valid = { systems: [{ name: 'shop', database: { sourceUrl: 'postgres://u:p@db:5432/shop' } }] };

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('fills the documented defaults: RPO 15 min, RTO 4 h, retention 14 days + 3 monthlies', () => {
    const config = parseConfig(valid, '/etc/drillbook');
    expect(config.systems[0]).toMatchObject({
      objectives: { rpoMinutes: 15, rtoMinutes: 240 },
      backup: { retention: { maxAgeDays: 14, keepMonthly: 3 } },
      restore: { environment: 'staging' },
    });
    expect(config.runbook.dir).toBe('/etc/drillbook/runbook');
  });

  it('names the offending field', () => {
    expect(errorOf(() => parseConfig({ systems: [] })).message).toBe(
      'systems: must list at least one system',
    );
    expect(
      errorOf(() => parseConfig({ systems: [{ name: 'shop', database: { sourceUrl: 'mysql://x' } }] })).field,
    ).toBe('systems.0.database.sourceUrl');
    const masking = {
      ...valid.systems[0],
      restore: { masking: [{ table: 'users; drop', column: 'email', strategy: 'hash' }] },
    };
    expect(errorOf(() => parseConfig({ systems: [masking] })).field).toBe(
      'systems.0.restore.masking.0.table',
    );
    const prod = { ...valid.systems[0], restore: { environment: 'production' } };
    expect(errorOf(() => parseConfig({ systems: [prod] })).message).toMatch(
      /restore.environment: must be "staging"/,
    );
  });

  it('takes how hard the base backup may press on the source: spread checkpoint, a rate cap', () => {
    const system = (local: Record<string, unknown>) => ({
      systems: [{ ...valid.systems[0], backup: { local: { dir: '/var/backups/drillbook', ...local } } }],
    });
    expect(parseConfig(system({})).systems[0]!.backup.local).toEqual({
      dir: '/var/backups/drillbook',
      checkpoint: 'fast',
    });
    expect(
      parseConfig(system({ checkpoint: 'spread', maxRate: '50M' })).systems[0]!.backup.local,
    ).toMatchObject({
      checkpoint: 'spread',
      maxRate: '50M',
    });
    expect(errorOf(() => parseConfig(system({ maxRate: '50 MB/s' }))).field).toBe(
      'systems.0.backup.local.maxRate',
    );
    expect(errorOf(() => parseConfig(system({ checkpoint: 'slow' }))).field).toBe(
      'systems.0.backup.local.checkpoint',
    );
  });

  it('rejects duplicate system names and unreadable files', () => {
    expect(errorOf(() => parseConfig({ systems: [valid.systems[0], valid.systems[0]] })).field).toBe(
      'systems.1.name',
    );
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-config-'));
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    expect(errorOf(() => loadConfig(join(dir, 'bad.json'))).field).toBe('--config');
    expect(errorOf(() => loadConfig(join(dir, 'missing.json'))).message).toMatch(/^--config: file not found/);
  });

  it('makes the CLI exit 2 with one line naming the field, and no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-config-'));
    const file = join(dir, 'drillbook.json');
    writeFileSync(
      file,
      JSON.stringify({ systems: [{ name: 'Shop!', database: { sourceUrl: 'postgres://x' } }] }),
    );
    const result = spawnSync(process.execPath, ['bin/drillbook.mjs', 'backup', '--config', file], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      'drillbook backup: systems.0.name: must be lowercase letters, digits and dashes',
    );
    const flags = spawnSync(
      process.execPath,
      ['bin/drillbook.mjs', 'restore-drill', '--target-time', 'yesterday'],
      {
        encoding: 'utf8',
      },
    );
    expect(flags.status).toBe(2);
    expect(flags.stderr.trim()).toMatch(
      /^drillbook restore-drill: --target-time: must be an ISO-8601 time \(.*\), got "yesterday"$/,
    );
  });

  it('makes restore-drill exit 2 on a --target-time without a time zone', () => {
    const result = spawnSync(
      process.execPath,
      ['bin/drillbook.mjs', 'restore-drill', '--target-time', '2026-11-23T10:15:00'],
      { encoding: 'utf8' },
    );
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      'drillbook restore-drill: --target-time: needs a time zone (e.g. 2026-11-23T10:15:00Z or 2026-11-23T10:15:00+01:00), got "2026-11-23T10:15:00"',
    );
  });
});

describe('config: unknown fields', () => {
  const withRestore = (restore: unknown) => ({ systems: [{ ...valid.systems[0], restore }] });

  it('rejects a misspelt field, naming its full path and the field it was probably meant to be', () => {
    const typo = errorOf(() => parseConfig(withRestore({ check: [] })));
    expect(typo.message).toBe('systems.0.restore.check: unknown field; did you mean "checks"?');
    expect(errorOf(() => parseConfig(withRestore({ Checks: [] }))).message).toBe(
      'systems.0.restore.Checks: unknown field; did you mean "checks"?',
    );
  });

  it('rejects unknown fields at every level: top, nested sections, list items, AWS, canary, secrets', () => {
    const fields = (input: unknown) => errorOf(() => parseConfig(input)).field;
    expect(fields({ ...valid, runbok: {} })).toBe('runbok');
    const check = { name: 'c', sql: 'select 1', expect: 1, expected: 1 };
    expect(fields(withRestore({ checks: [check] }))).toBe('systems.0.restore.checks.0.expected');
    const rule = { table: 'public.t', column: 'c', strategy: 'hash', stratgy: 'hash' };
    expect(fields(withRestore({ masking: [rule] }))).toBe('systems.0.restore.masking.0.stratgy');
    const sys = valid.systems[0]!;
    expect(fields({ systems: [{ ...sys, database: { ...sys.database, heartbeat: 'x' } }] })).toBe(
      'systems.0.database.heartbeat',
    );
    expect(fields({ systems: [{ ...sys, backup: { local: { dir: '/b', dri: '/c' } } }] })).toBe(
      'systems.0.backup.local.dri',
    );
    expect(fields({ ...valid, reporting: { chatMaxAttempt: 3 } })).toBe('reporting.chatMaxAttempt');
    expect(fields({ ...valid, secrets: { items: [{ id: 's', type: 'jwt', jwt: { algo: 'ES256' } }] } })).toBe(
      'secrets.items.0.jwt.algo',
    );
    const group = { application: 'a', deploymentGroup: 'g', alarms: { names: ['x'], prefix: ['y'] } };
    expect(errorOf(() => parseConfig({ ...valid, canary: { groups: [group] } })).message).toBe(
      'canary.groups.0.alarms.prefix: unknown field; did you mean "prefixes"?',
    );
    const aws = {
      region: 'eu-west-1',
      dbInstanceIdentifier: 'shop',
      sourceSecretId: 's',
      staging: {
        environment: 'staging',
        dbSubnetGroupName: 'n',
        vpcSecurityGroupIds: ['sg-1'],
        dbInstanceClass: 'db.t4g.medium',
      },
      wait: {},
    };
    expect(errorOf(() => parseConfig({ systems: [{ ...sys, aws }] })).message).toBe(
      'systems.0.aws.wait: unknown field; did you mean "waits"?',
    );
  });

  it('looks inside a list of alternatives (canary probes) for the option that came closest', () => {
    const probes = (probe: unknown) => ({
      ...valid,
      canary: {
        groups: [
          { application: 'a', deploymentGroup: 'g', alarms: { names: ['x'] }, hooks: { probes: [probe] } },
        ],
      },
    });
    expect(errorOf(() => parseConfig(probes({ name: 'p', urll: 'http://x' }))).message).toBe(
      'canary.groups.0.hooks.probes.0.urll: unknown field; did you mean "url"?',
    );
    expect(errorOf(() => parseConfig(probes({ name: 'p', url: 'not a url' }))).field).toBe(
      'canary.groups.0.hooks.probes.0.url',
    );
  });

  it('reports the unknown field before the required field it stands in for', () => {
    const sys = { name: 'shop', databse: { sourceUrl: 'postgres://db/shop' } };
    expect(errorOf(() => parseConfig({ systems: [sys] })).message).toBe(
      'systems.0.databse: unknown field; did you mean "database"?',
    );
  });

  it('accepts the example configs shipped in examples/ and config/', () => {
    for (const file of ['examples/drillbook.json', 'config/drillbook.aws.example.json']) {
      expect(() => loadConfig(file), file).not.toThrow();
    }
    const canary = JSON.parse(readFileSync('config/canary.example.json', 'utf8'));
    expect(() => parseWith(canaryConfigSchema, canary, 'canary')).not.toThrow();
  });

  it('makes restore-drill exit 2 on a typo in restore.checks instead of drilling without the checks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-config-'));
    const file = join(dir, 'drillbook.json');
    const check = { name: 'orders', sql: 'select count(*) > 0 from orders', expect: true };
    writeFileSync(
      file,
      JSON.stringify({
        systems: [{ ...valid.systems[0], backup: { local: { dir: dir } }, restore: { check: [check] } }],
      }),
    );
    const result = spawnSync(process.execPath, ['bin/drillbook.mjs', 'restore-drill', '--config', file], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      'drillbook restore-drill: systems.0.restore.check: unknown field; did you mean "checks"?',
    );
  });
});

describe('a missing backup folder', () => {
  it('makes backup and restore-drill exit 2 naming --backup-dir before they connect to anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-config-'));
    const file = join(dir, 'drillbook.json');
    // Port 1: were the command to start work first, it would fail connecting instead.
    writeFileSync(
      file,
      JSON.stringify({
        systems: [{ name: 'shop', database: { sourceUrl: 'postgres://u:p@127.0.0.1:1/shop' } }],
      }),
    );
    for (const args of [
      ['backup', '--source-url', 'postgres://u:p@127.0.0.1:1/shop'],
      ['restore-drill', '--config', file],
    ]) {
      const result = spawnSync(process.execPath, ['bin/drillbook.mjs', ...args], { encoding: 'utf8' });
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr.trim()).toBe(
        `drillbook ${args[0]}: --backup-dir: is required for the local target (or set systems[].backup.local.dir in the config)`,
      );
    }
  });

  it('makes restore-drill exit 2 naming --backup-id when no such backup was taken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-config-'));
    const args = [
      '--source-url',
      'postgres://u:p@127.0.0.1:1/shop',
      '--backup-dir',
      dir,
      '--backup-id',
      'nope',
    ];
    const result = spawnSync(process.execPath, ['bin/drillbook.mjs', 'restore-drill', ...args], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      `drillbook restore-drill: --backup-id: no backup "nope" in ${join(dir, 'local')} (none taken yet)`,
    );
  });
});
