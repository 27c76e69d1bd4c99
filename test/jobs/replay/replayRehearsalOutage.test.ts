import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkNames } from '../../../lib/core/replay/checks.js';
import { runReplayRehearsal } from '../../../lib/jobs/replay/replayRehearsal.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';
import { NatsWindowReader, type WindowReaderOptions } from '../../../lib/nats/windowReader.js';
import type { EventStreamReader } from '../../../lib/ports.js';
import { contactsProjection } from '../../../lib/projections/contacts.js';
import { seedContactsDemo } from '../../../lib/projections/contactsSeed.js';
import { cleanupNatsAfterAll, startNats, type ThrowawayNats } from '../../helpers/nats.js';

cleanupNatsAfterAll();

let nats: ThrowawayNats;
let lastSeq = 0;
let digest = '';
const runbookDir = mkdtempSync(join(tmpdir(), 'drillbook-replay-outage-'));
const runbook = new FolderRunbookStore(runbookDir);
afterAll(() => rmSync(runbookDir, { recursive: true, force: true }));

beforeAll(async () => {
  nats = await startNats();
  ({ lastSeq, digest } = await seedContactsDemo({ natsUrl: nats.url, events: 3000, contacts: 50 }));
});

/** A reader that kills nats-server when the first pass reaches event `at`, then runs `after`. */
function killingReader(
  at: number,
  after: () => Promise<void>,
  options: WindowReaderOptions,
): EventStreamReader {
  const inner = new NatsWindowReader(nats.url, { batch: 64, ...options });
  let seen = 0;
  let killed = false;
  return {
    state: (s) => inner.state(s),
    deletedIn: (s, f, t) => inner.deletedIn(s, f, t),
    close: () => inner.close(),
    readWindow: (stream, window, onEvent, signal) =>
      inner.readWindow(
        stream,
        window,
        async (event) => {
          await onEvent(event);
          if (++seen === at && !killed) {
            killed = true;
            await nats.server.kill();
            void after();
          }
        },
        signal,
      ),
  };
}

describe('replay rehearsal when NATS goes away', () => {
  it('resumes from the last sequence read when nats-server comes back on the same port and store', async () => {
    const resumedAt: number[] = [];
    const reader = killingReader(
      1000,
      async () => {
        await new Promise((r) => setTimeout(r, 700));
        await nats.server.start();
      },
      { onResume: (seq) => resumedAt.push(seq), connectTimeoutMs: 20_000 },
    );
    const { report } = await runReplayRehearsal(
      { system: 'outage', environment: 'test', stream: 'CONTACTS', projection: contactsProjection },
      { reader, publish: { runbook, warn: () => {} } },
    );
    expect(resumedAt.length).toBeGreaterThanOrEqual(1);
    expect(resumedAt[0]).toBeGreaterThan(1000);
    expect(report.details?.['resumes']).toBeGreaterThanOrEqual(1);
    expect(report.outcome).toBe('passed');
    expect(report.replay).toMatchObject({ events: 3000, toSeq: lastSeq, gaps: [], duplicates: 0, digest });
    expect(report.checks.find((c) => c.name === checkNames.determinism)?.outcome).toBe('passed');
  });

  it('fails with a clear reason and still writes its report when NATS stays down', async () => {
    if (!nats.server.running) await nats.server.start();
    const reader = killingReader(500, async () => {}, { connectTimeoutMs: 1500, maxResumes: 2 });
    const { report, location } = await runReplayRehearsal(
      { system: 'outage-down', environment: 'test', stream: 'CONTACTS', projection: contactsProjection },
      { reader, publish: { runbook, warn: () => {} } },
    );
    expect(report.outcome).toBe('failed');
    expect(report.reason).toMatch(
      /stopped after sequence \d+ of \d+: NATS at nats:\/\/127\.0\.0\.1:\d+ unreachable/,
    );
    expect(report.phases.find((p) => p.name.startsWith('pass 1'))?.outcome).toBe('failed');
    expect(report.replay).toMatchObject({ stream: 'CONTACTS', fromSeq: 1, toSeq: lastSeq, digest: '' });
    // The events read before the failure, not 0.
    expect(report.replay?.events).toBeGreaterThanOrEqual(500);
    expect(location).toContain(runbookDir);
    const stored = await runbook.listReports({ kind: 'replay-rehearsal', system: 'outage-down' });
    expect(stored.map((r) => r.id)).toEqual([report.id]);
  });

  it('fails with the reason and writes its report when NATS is down from the start', async () => {
    const reader = new NatsWindowReader('nats://127.0.0.1:1', { connectTimeoutMs: 500 });
    const { report } = await runReplayRehearsal(
      { system: 'outage-start', environment: 'test', stream: 'CONTACTS', projection: contactsProjection },
      { reader, publish: { runbook, warn: () => {} } },
    );
    expect(report.outcome).toBe('failed');
    expect(report.reason).toMatch(/NATS at nats:\/\/127\.0\.0\.1:1 unreachable/);
    expect(report.phases).toEqual([expect.objectContaining({ name: 'pin window', outcome: 'failed' })]);
    // The failed report still names the stream it was about.
    expect(report.replay).toMatchObject({ stream: 'CONTACTS', events: 0, digest: '' });
    expect((await runbook.listReports({ system: 'outage-start' })).map((r) => r.id)).toEqual([report.id]);
  });
});
