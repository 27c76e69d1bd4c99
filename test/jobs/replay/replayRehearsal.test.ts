import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkNames } from '../../../lib/core/replay/checks.js';
import type { AnyProjection } from '../../../lib/core/replay/projection.js';
import type { Report } from '../../../lib/core/report.js';
import {
  type FoldEngineFactory,
  parallelFoldEngine,
  WorkerFoldEngine,
} from '../../../lib/jobs/replay/foldEngine.js';
import { runReplayRehearsal } from '../../../lib/jobs/replay/replayRehearsal.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';
import { connectNats } from '../../../lib/nats/connection.js';
import { NatsWindowReader } from '../../../lib/nats/windowReader.js';
import { PgLiveProjection } from '../../../lib/pg/liveProjection.js';
import { PgOutbox } from '../../../lib/pg/outbox.js';
import { contactsProjection } from '../../../lib/projections/contacts.js';
import {
  contactsDemoEvents,
  ensureStream,
  publishEvents,
  seedContactsDemo,
} from '../../../lib/projections/contactsSeed.js';
import { cleanupNatsAfterAll, startNats, type ThrowawayNats } from '../../helpers/nats.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';

cleanupNatsAfterAll();
cleanupPostgresAfterAll();

let nats: ThrowawayNats;
let postgres: ThrowawayPostgres;
const runbookDir = mkdtempSync(join(tmpdir(), 'drillbook-replay-runbook-'));
const runbook = new FolderRunbookStore(runbookDir);
afterAll(() => rmSync(runbookDir, { recursive: true, force: true }));

beforeAll(async () => {
  [nats, postgres] = await Promise.all([startNats(), startPostgres()]);
});

async function rehearse(
  stream: string,
  options: {
    projection?: AnyProjection;
    pg?: boolean;
    outbox?: string;
    expectDigest?: string;
    foldEngine?: FoldEngineFactory;
  } = {},
): Promise<Report> {
  const projection = options.projection ?? contactsProjection;
  const { report } = await runReplayRehearsal(
    {
      system: 'test',
      environment: 'test',
      stream,
      projection,
      ...(options.expectDigest ? { expectDigest: options.expectDigest } : {}),
    },
    {
      reader: new NatsWindowReader(nats.url),
      ...(options.pg
        ? {
            live: new PgLiveProjection(postgres.url(), projection, {
              table: `public.${stream.toLowerCase()}_projection`,
              checkpointTable: `public.${stream.toLowerCase()}_checkpoints`,
            }),
          }
        : {}),
      ...(options.outbox ? { outbox: new PgOutbox(postgres.url(), { table: options.outbox }) } : {}),
      publish: { runbook, warn: () => {} },
      ...(options.foldEngine ? { foldEngine: options.foldEngine } : {}),
    },
  );
  return report;
}

function check(report: Report, name: string) {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check "${name}" in ${report.checks.map((c) => c.name).join(', ')}`);
  return found;
}

async function seedPlain(stream: string, events = 200): Promise<void> {
  await ensureStream(nats.url, stream, stream.toLowerCase());
  await publishEvents(nats.url, stream.toLowerCase(), contactsDemoEvents(events, { contacts: 20 }));
}

describe('replay rehearsal against a real nats-server', () => {
  it('passes a clean stream: log, both passes, live projection and outbox agree; the next run uses the golden digest', async () => {
    const stream = 'CLEAN';
    const seeded = await seedContactsDemo({
      natsUrl: nats.url,
      stream,
      subjectPrefix: 'clean',
      events: 300,
      contacts: 30,
      pgUrl: postgres.url(),
      table: 'public.clean_projection',
      checkpointTable: 'public.clean_checkpoints',
      outboxTable: 'public.clean_outbox',
    });
    const first = await rehearse(stream, { pg: true, outbox: 'public.clean_outbox' });
    expect(first.outcome).toBe('passed');
    expect(first.replay).toMatchObject({
      stream,
      fromSeq: 1,
      toSeq: seeded.lastSeq,
      events: 300,
      gaps: [],
      duplicates: 0,
      schemaViolations: 0,
      digest: seeded.digest,
    });
    for (const name of [
      checkNames.gaps,
      checkNames.duplicates,
      checkNames.schemas,
      checkNames.determinism,
      checkNames.live,
      checkNames.outboxRows,
      checkNames.outboxMessages,
    ]) {
      expect(check(first, name).outcome, name).toBe('passed');
    }
    expect(check(first, checkNames.expected).outcome).toBe('skipped');

    // Read-only: no durable consumer was created on the product's stream and nothing was removed.
    const nc = await connectNats(nats.url);
    const jsm = await jetstreamManager(nc);
    const consumers = await jsm.consumers.list(stream).next();
    expect(consumers.filter((c) => c.config.durable_name)).toEqual([]);
    expect((await jsm.streams.info(stream)).state.messages).toBe(300);
    await nc.close();

    const second = await rehearse(stream, { pg: true });
    expect(check(second, checkNames.expected)).toMatchObject({ outcome: 'passed' });
    expect(check(second, checkNames.expected).detail).toContain(first.id);
    expect(second.replay?.expectedDigest).toBe(seeded.digest);
  });

  it('fails when the live projection or --expect-digest disagree, or the outbox lacks a row', async () => {
    const stream = 'DRIFT';
    await seedContactsDemo({
      natsUrl: nats.url,
      stream,
      subjectPrefix: 'drift',
      events: 100,
      contacts: 10,
      pgUrl: postgres.url(),
      table: 'public.drift_projection',
      checkpointTable: 'public.drift_checkpoints',
      outboxTable: 'public.drift_outbox',
    });
    const db = new pg.Client({ connectionString: postgres.url() });
    await db.connect();
    await db.query(`UPDATE public.drift_projection SET name = 'Tampered' WHERE contact_id = 'c-3'`);
    await db.query(`DELETE FROM public.drift_outbox WHERE id = 'evt-42'`);
    await db.query(
      `INSERT INTO public.drift_outbox (id, subject, payload) VALUES ('evt-never-sent', 'drift.X', '{}')`,
    );
    await db.end();
    const report = await rehearse(stream, {
      pg: true,
      outbox: 'public.drift_outbox',
      expectDigest: '0'.repeat(64),
    });
    expect(report.outcome).toBe('failed');
    expect(check(report, checkNames.live).outcome).toBe('failed');
    expect(check(report, checkNames.expected).outcome).toBe('failed');
    expect(check(report, checkNames.outboxMessages)).toMatchObject({ outcome: 'failed' });
    expect(check(report, checkNames.outboxMessages).detail).toContain('(evt-42)');
    expect(check(report, checkNames.outboxRows).detail).toContain('evt-never-sent');
    expect(check(report, checkNames.determinism).outcome).toBe('passed');
  });

  it('fails on a deleted message with the gap range and its cause', async () => {
    const stream = 'GAPS';
    await seedPlain(stream);
    const nc = await connectNats(nats.url);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.deleteMessage(stream, 150);
    await jsm.streams.deleteMessage(stream, 151);
    await nc.close();
    const report = await rehearse(stream);
    expect(report.outcome).toBe('failed');
    expect(report.replay?.gaps).toEqual([[150, 151]]);
    expect(check(report, checkNames.gaps)).toMatchObject({ outcome: 'failed' });
    expect(check(report, checkNames.gaps).detail).toContain('150-151 (deleted)');
    expect(check(report, checkNames.determinism).outcome).toBe('passed');
  });

  it('fails on a duplicate Nats-Msg-Id published after the dedupe window, naming the sequences', async () => {
    const stream = 'DUPS';
    const nc = await connectNats(nats.url);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: ['dups.>'], duplicate_window: 100_000_000 });
    await nc.close();
    await publishEvents(nats.url, 'dups', contactsDemoEvents(100, { contacts: 10 }));
    await new Promise((r) => setTimeout(r, 300));
    const again = [...contactsDemoEvents(60, { contacts: 10 })][59]!;
    await publishEvents(nats.url, 'dups', [again]);
    const report = await rehearse(stream);
    expect(report.outcome).toBe('failed');
    expect(report.replay?.duplicates).toBe(1);
    expect(check(report, checkNames.duplicates)).toMatchObject({ outcome: 'failed' });
    expect(check(report, checkNames.duplicates).detail).toContain('evt-60 at seq 60/101');
  });

  it('fails on a malformed event and an unknown type, listing their sequences, and still folds the rest', async () => {
    const stream = 'BAD';
    await seedPlain(stream, 50);
    const nc = await connectNats(nats.url);
    const js = jetstream(nc);
    await js.publish(
      'bad.ContactCreated',
      '{"type":"ContactCreated","id":"x1","contactId":"c-x","name":"X"}',
      {
        msgID: 'x1',
      },
    );
    await js.publish('bad.Oops', '{"type":"ContactTeleported","id":"x2","contactId":"c-1"}', { msgID: 'x2' });
    await js.publish('bad.Raw', 'not json at all', { msgID: 'x3' });
    await nc.close();
    const report = await rehearse(stream);
    expect(report.outcome).toBe('failed');
    expect(report.replay?.schemaViolations).toBe(3);
    const detail = check(report, checkNames.schemas).detail;
    expect(detail).toContain('seq 51 schema ContactCreated');
    expect(detail).toContain('seq 52 unknown-type');
    expect(detail).toContain('seq 53 not-json');
    expect(check(report, checkNames.determinism).outcome).toBe('passed');
    expect(check(report, checkNames.gaps).outcome).toBe('passed');
  });

  it('fails the determinism check for a projection that reads the wall clock', async () => {
    const stream = 'CLOCK';
    await seedPlain(stream, 50);
    let tick = 0;
    const clocky: AnyProjection = {
      ...contactsProjection,
      name: 'contacts-with-clock',
      *canonical(state: Map<string, unknown>) {
        yield* contactsProjection.canonical(state as never);
        tick++;
        yield ['rebuiltAt', new Date(Date.now() + tick)];
      },
    };
    const report = await rehearse(stream, { projection: clocky });
    expect(report.outcome).toBe('failed');
    expect(check(report, checkNames.determinism)).toMatchObject({ outcome: 'failed' });
    expect(check(report, checkNames.determinism).detail).toContain('not deterministic');
    expect(check(report, checkNames.schemas).outcome).toBe('passed');
  });

  it('folds on a worker thread to the same digest and the same listed violations as inline', async () => {
    const stream = 'PARALLEL';
    await seedPlain(stream, 5000);
    const nc = await connectNats(nats.url);
    await jetstream(nc).publish('parallel.X', '{"type":"ContactRenamed","id":"p1","contactId":"c-1"}', {
      msgID: 'p1',
    });
    await nc.close();
    const worker = WorkerFoldEngine.start(contactsProjection);
    expect(worker).not.toBeNull();
    await worker?.close();
    // Which engine each pass really got: parallelFoldEngine falls back inline without a word.
    const used: string[] = [];
    const counting: FoldEngineFactory = (p) => {
      const engine = parallelFoldEngine(p);
      used.push(engine instanceof WorkerFoldEngine ? 'worker' : 'inline');
      return engine;
    };
    const inline = await rehearse(stream);
    const parallel = await rehearse(stream, { foldEngine: counting });
    expect(parallel.reason).toBeUndefined();
    expect(used).toEqual(['worker', 'worker']);
    expect(parallel.replay?.digest).toBe(inline.replay?.digest);
    expect(parallel.replay?.schemaViolations).toBe(1);
    expect(parallel.details?.['violations']).toEqual(inline.details?.['violations']);
    expect(check(parallel, checkNames.determinism).outcome).toBe('passed');
  });

  it('refuses a window past the end of the stream as bad input', async () => {
    await seedPlain('SHORT', 10);
    await expect(
      runReplayRehearsal(
        { system: 'test', environment: 'test', stream: 'SHORT', toSeq: 11, projection: contactsProjection },
        { reader: new NatsWindowReader(nats.url), publish: { runbook } },
      ),
    ).rejects.toThrow(/--to-seq: 11 is past/);
  });
});
