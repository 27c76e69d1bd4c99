import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../lib/config.js';
import { ConfigError } from '../lib/core/errors.js';

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
    expect(flags.stderr.trim()).toBe(
      'drillbook restore-drill: --target-time: must be an ISO-8601 time, got "yesterday"',
    );
  });
});
