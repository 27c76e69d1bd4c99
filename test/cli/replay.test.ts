import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedContactsDemo } from '../../lib/projections/contactsSeed.js';
import { cleanupNatsAfterAll, startNats, type ThrowawayNats } from '../helpers/nats.js';

cleanupNatsAfterAll();

let nats: ThrowawayNats;
let digest = '';
const runbookDir = mkdtempSync(join(tmpdir(), 'drillbook-replay-cli-'));
afterAll(() => rmSync(runbookDir, { recursive: true, force: true }));

beforeAll(async () => {
  nats = await startNats();
  ({ digest } = await seedContactsDemo({ natsUrl: nats.url, events: 120, contacts: 12 }));
});

function drillbook(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/drillbook.mjs', 'replay', ...args],
      { timeout: 60_000, env: { ...process.env, DRILLBOOK_CONFIG: '' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const base = (natsUrl = nats.url) => [
  '--nats-url',
  natsUrl,
  '--stream',
  'CONTACTS',
  '--projection',
  'contacts',
  '--runbook',
  runbookDir,
];

/** A base database nothing listens on. */
const unreachableBase = (choice: string) => [
  '--base',
  choice,
  '--base-pg-url',
  'postgres://u@127.0.0.1:15999/db',
];

describe('drillbook replay', () => {
  it('exits 0 and prints the JSON report with the replay block when the rehearsal passes', async () => {
    const { code, stdout } = await drillbook([...base(), '--expect-digest', digest, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.kind).toBe('replay-rehearsal');
    expect(report.replay).toMatchObject({ stream: 'CONTACTS', fromSeq: 1, toSeq: 120, events: 120, digest });
  });

  it('exits 1 when the digest differs from --expect-digest', async () => {
    const { code, stdout } = await drillbook([
      ...base(),
      '--expect-digest',
      'a'.repeat(64),
      '--to-seq',
      '100',
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain('digest: expected / golden');
  });

  it.each([
    [['--expect-digest', 'xyz'], '--expect-digest'],
    [['--to-seq', '121'], '--to-seq'],
    [['--from-seq', 'ten'], '--from-seq'],
    [['--projection', 'nope'], '--projection'],
    [['--base', 'yesterday'], '--base'],
  ])('exits 2 naming the flag for bad input %j', async (extra, flag) => {
    const { code, stderr } = await drillbook([...base(), ...extra]);
    expect(code).toBe(2);
    expect(stderr).toContain(flag);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 when a base-table flag comes with --base snapshot, saying it only applies to table/auto', async () => {
    const { code, stderr } = await drillbook([...base(), ...unreachableBase('snapshot')]);
    expect(code).toBe(2);
    expect(stderr).toContain('--base-pg-url: only applies to --base table or auto, not --base snapshot');
  });

  it('names --base-pg-url when the base database cannot be reached', async () => {
    const { code, stdout } = await drillbook([...base(), ...unreachableBase('table'), '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).reason).toContain('connecting to --base-pg-url for the base table');
  });

  it('exits 2 before connecting when --from-seq is after --to-seq, saying the start is after the end', async () => {
    const { code, stderr } = await drillbook([
      ...base('nats://127.0.0.1:1'),
      '--from-seq',
      '50',
      '--to-seq',
      '10',
      '--connect-timeout',
      '30',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--from-seq: the start 50 is after the end 10');
  });

  it('names a stream that does not exist on stderr and in the report', async () => {
    const { code, stdout, stderr } = await drillbook([
      ...base().slice(0, 2),
      '--stream',
      'MISSING',
      '--projection',
      'contacts',
      '--runbook',
      runbookDir,
      '--json',
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('stream "MISSING" not found');
    const report = JSON.parse(stdout);
    expect(report.reason).toContain('stream "MISSING" not found');
    expect(report.replay).toMatchObject({ stream: 'MISSING', events: 0 });
  });
});
