import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../lib/core/markdown.js';
import { checkNames } from '../../../lib/core/replay/checks.js';
import type { Report } from '../../../lib/core/report.js';
import { type FoldEngineFactory, parallelFoldEngine } from '../../../lib/jobs/replay/foldEngine.js';
import { type ReplayRehearsalInput, runReplayRehearsal } from '../../../lib/jobs/replay/replayRehearsal.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';
import { connectNats } from '../../../lib/nats/connection.js';
import { NatsWindowReader } from '../../../lib/nats/windowReader.js';
import { PgLiveProjection } from '../../../lib/pg/liveProjection.js';
import {
  applyContactEvent,
  type ContactsState,
  contactsProjection,
} from '../../../lib/projections/contacts.js';
import {
  publishEvents,
  seedContactsDemo,
  writeContactsProjection,
} from '../../../lib/projections/contactsSeed.js';
import { demoContacts, demoEventsBetween } from '../../helpers/contactsDemo.js';
import { cleanupNatsAfterAll, startNats, type ThrowawayNats } from '../../helpers/nats.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';

cleanupNatsAfterAll();
cleanupPostgresAfterAll();

let nats: ThrowawayNats;
let postgres: ThrowawayPostgres;
const runbookDir = mkdtempSync(join(tmpdir(), 'drillbook-replay-base-'));
const runbook = new FolderRunbookStore(runbookDir);
afterAll(() => rmSync(runbookDir, { recursive: true, force: true }));

beforeAll(async () => {
  [nats, postgres] = await Promise.all([startNats(), startPostgres()]);
});

const contacts = demoContacts;
const eventsBetween = demoEventsBetween;

async function addStream(name: string, subjects: string, maxMsgs = -1): Promise<void> {
  const nc = await connectNats(nats.url);
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name, subjects: [`${subjects}.>`], max_msgs: maxMsgs });
  } finally {
    await nc.close();
  }
}

async function rehearse(
  input: Partial<ReplayRehearsalInput> & { stream: string },
  deps: { base?: PgLiveProjection; live?: PgLiveProjection; foldEngine?: FoldEngineFactory } = {},
): Promise<Report> {
  const { report } = await runReplayRehearsal(
    { system: 'base', environment: 'test', projection: contactsProjection, ...input },
    {
      reader: new NatsWindowReader(nats.url, { idleTimeoutMs: 3000 }),
      publish: { runbook, warn: () => {} },
      ...deps,
    },
  );
  return report;
}

function check(report: Report, name: string) {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check "${name}" in ${report.checks.map((c) => c.name).join(', ')}`);
  return found;
}

describe('replay from a base state, against a real nats-server', () => {
  it('rehearses a stream with retention from the stored snapshot to the digest of a full replay of an unlimited copy; retention past the snapshot fails', async () => {
    await addStream('RETAIN', 'retain', 500);
    await addStream('FULL', 'full');
    await publishEvents(nats.url, 'retain', eventsBetween(1, 400));
    await publishEvents(nats.url, 'full', eventsBetween(1, 400));

    const first = await rehearse({ stream: 'RETAIN' });
    expect(first.outcome, JSON.stringify(first.checks)).toBe('passed');
    expect(first.replay).toMatchObject({ fromSeq: 1, toSeq: 400, base: { source: 'empty', seq: 0 } });
    expect(first.details?.['snapshot']).toMatchObject({ seq: 400, digest: first.replay?.digest });

    // Retention drops 1..200: the stream starts at 201, well past 1.
    await publishEvents(nats.url, 'retain', eventsBetween(401, 700));
    await publishEvents(nats.url, 'full', eventsBetween(401, 700));
    const second = await rehearse({ stream: 'RETAIN' });
    expect(second.outcome, JSON.stringify(second.checks)).toBe('passed');
    expect(second.replay).toMatchObject({
      fromSeq: 401,
      toSeq: 700,
      events: 300,
      gaps: [],
      base: { source: 'snapshot', seq: 400, from: `report ${first.id}` },
    });
    expect(check(second, checkNames.retention).detail).toContain('the stream starts at 201');
    expect(check(second, checkNames.base).detail).toContain(
      `snapshot at 400 stored by passing report ${first.id}`,
    );

    const full = await rehearse({ stream: 'FULL' });
    expect(full.replay).toMatchObject({ fromSeq: 1, toSeq: 700, base: { source: 'empty' } });
    expect(second.replay?.digest).toBe(full.replay?.digest);
    const state: ContactsState = new Map();
    for (const e of eventsBetween(1, 700)) applyContactEvent(state, e);
    expect(second.details?.['entries']).toBe(state.size);

    // Retention drops everything up to 800, past the newest snapshot (700).
    await publishEvents(nats.url, 'retain', eventsBetween(701, 1300));
    const gap = await rehearse({ stream: 'RETAIN' });
    expect(gap.outcome).toBe('failed');
    expect(check(gap, checkNames.retention)).toMatchObject({ outcome: 'failed' });
    expect(check(gap, checkNames.retention).detail).toContain(
      'retention gap: the stream starts at 801, the newest state is at 700',
    );
    expect(gap.phases.find((p) => p.name.startsWith('pass 1'))?.outcome).toBe('skipped');
    expect(gap.replay).toMatchObject({ stream: 'RETAIN', fromSeq: 701, toSeq: 1300, events: 0 });
  });

  it("replays the window after a projection table's checkpoint onto its rows and matches the live projection", async () => {
    const seeded = await seedContactsDemo({
      natsUrl: nats.url,
      stream: 'TABLE',
      subjectPrefix: 'table',
      events: 300,
      contacts,
      pgUrl: postgres.url(),
      table: 'public.table_projection',
      checkpointTable: 'public.table_checkpoints',
      outboxTable: 'public.table_outbox',
    });
    // The same projection as it stood at 200 (as a restored copy would hold it).
    const earlier: ContactsState = new Map();
    for (const e of eventsBetween(1, 200)) applyContactEvent(earlier, e);
    await writeContactsProjection(postgres.url(), earlier, 200, {
      table: 'public.table_at_200',
      checkpointTable: 'public.table_at_200_checkpoints',
    });
    const table = (name: string, checkpoints: string) =>
      new PgLiveProjection(postgres.url(), contactsProjection, { table: name, checkpointTable: checkpoints });
    const report = await rehearse(
      { stream: 'TABLE' },
      {
        base: table('public.table_at_200', 'public.table_at_200_checkpoints'),
        live: table('public.table_projection', 'public.table_checkpoints'),
      },
    );
    expect(report.outcome, JSON.stringify(report.checks)).toBe('passed');
    expect(report.replay).toMatchObject({
      fromSeq: 201,
      toSeq: 300,
      events: 100,
      digest: seeded.digest,
      base: { source: 'table', seq: 200, from: 'public.table_at_200' },
    });
    expect(check(report, checkNames.live).outcome).toBe('passed');
    expect(check(report, checkNames.applied).outcome).toBe('passed');
    expect(check(report, checkNames.base).detail).toContain('public.table_at_200 at checkpoint 200');

    // The worker-thread fold starts from the same base state.
    const parallel = await rehearse(
      { stream: 'TABLE' },
      {
        base: table('public.table_at_200', 'public.table_at_200_checkpoints'),
        live: table('public.table_projection', 'public.table_checkpoints'),
        foldEngine: parallelFoldEngine,
      },
    );
    expect(parallel.reason).toBeUndefined();
    expect(parallel.replay?.digest).toBe(seeded.digest);
  });

  it('leaves no consumer behind on the stream', async () => {
    const consumers = async () => {
      const nc = await connectNats(nats.url);
      try {
        return (await (await jetstreamManager(nc)).streams.info('TABLE')).state.consumer_count;
      } finally {
        await nc.close();
      }
    };
    const before = await consumers();
    const report = await rehearse({ stream: 'TABLE' });
    expect(report.replay?.events).toBe(300);
    expect(await consumers()).toBe(before);
  });

  it('names a missing base table as the base table, with the checkpoint table it read', async () => {
    const report = await rehearse(
      { stream: 'TABLE', base: 'table' },
      {
        base: new PgLiveProjection(postgres.url(), contactsProjection, {
          table: 'rm.nope',
          role: 'the base table',
        }),
      },
    );
    expect(report.outcome).toBe('failed');
    expect(report.reason).toContain('reading the base table rm.nope (checkpoint table ');
  });

  it('a window from an empty state keeps projection rejections apart from schema violations', async () => {
    await addStream('PARTIAL', 'partial');
    await publishEvents(nats.url, 'partial', eventsBetween(1, 300));
    const nc = await connectNats(nats.url);
    await nc.publish('partial.Raw', 'not json');
    await nc.flush();
    await nc.close();
    const report = await rehearse({ stream: 'PARTIAL', fromSeq: 100, base: 'empty' });
    expect(report.outcome).toBe('failed');
    expect(report.replay?.schemaViolations).toBe(1);
    expect(report.replay?.rejections?.notJson).toEqual({ count: 1, seqs: [301] });
    expect(report.replay?.rejections?.rejected.count).toBeGreaterThan(100);
    expect(report.replay?.rejections?.rejected.seqs).toHaveLength(100);
    expect(check(report, checkNames.schemas).detail).toContain('seq 301 not-json');
    expect(check(report, checkNames.applied).detail).toContain('starts from an empty state');
    expect(check(report, checkNames.base).outcome).toBe('skipped');
    expect(report.details?.['snapshot']).toBeUndefined();
  });

  it('a window whose tail is deleted reports the gap as deleted without waiting for messages that never come', async () => {
    await addStream('TAIL', 'tail');
    await publishEvents(nats.url, 'tail', eventsBetween(1, 100));
    const head = await rehearse({ stream: 'TAIL', toSeq: 90 });
    expect(head.outcome).toBe('passed');
    const nc = await connectNats(nats.url);
    const jsm = await jetstreamManager(nc);
    for (let seq = 91; seq <= 100; seq++) await jsm.streams.deleteMessage('TAIL', seq);
    await nc.close();
    const report = await rehearse({ stream: 'TAIL', fromSeq: 91, toSeq: 100 });
    expect(report.reason).toBeUndefined();
    expect(report.replay).toMatchObject({ fromSeq: 91, toSeq: 100, events: 0, gaps: [[91, 100]] });
    expect(check(report, checkNames.gaps).detail).toContain('91-100 (deleted)');
    expect(report.details?.['resumes']).toBe(0);
  });

  it('a purged stream fails at once: the retention check, or the gap as purged from an empty state', async () => {
    await addStream('PURGED', 'purged');
    await publishEvents(nats.url, 'purged', eventsBetween(1, 50));
    const nc = await connectNats(nats.url);
    await (await jetstreamManager(nc)).streams.purge('PURGED');
    await nc.close();
    const report = await rehearse({ stream: 'PURGED' });
    expect(report.outcome).toBe('failed');
    expect(check(report, checkNames.retention).detail).toContain('the stream starts at 51');
    const empty = await rehearse({ stream: 'PURGED', base: 'empty', fromSeq: 1 });
    expect(empty.reason).toBeUndefined();
    expect(empty.replay).toMatchObject({ events: 0, gaps: [[1, 50]] });
  });

  it('fails --base snapshot without a stored snapshot, and says no base state was loaded', async () => {
    await addStream('NOSNAP', 'nosnap');
    await publishEvents(nats.url, 'nosnap', eventsBetween(1, 20));
    const report = await rehearse({ stream: 'NOSNAP', base: 'snapshot' });
    expect(report.outcome).toBe('failed');
    expect(check(report, checkNames.base).detail).toContain(
      'no stored snapshot before sequence 20 (--base snapshot)',
    );
    expect(report.replay?.base?.from).toBe('none loaded, see the base state check');
    expect(renderMarkdown(report)).toContain('- Base state: empty (none loaded, see the base state check)');
  });

  it('names a stream that does not exist in the reason, and keeps the replay block', async () => {
    const report = await rehearse({ stream: 'NOPE' });
    expect(report.outcome).toBe('failed');
    expect(report.reason).toContain('stream "NOPE" not found on nats://127.0.0.1:');
    expect(report.replay).toMatchObject({ stream: 'NOPE', events: 0 });
  });
});
