import { jetstreamManager } from '@nats-io/jetstream';
import { beforeAll, describe, expect, it } from 'vitest';
import { serviceRto } from '../../../lib/core/objectives.js';
import type { Report } from '../../../lib/core/report.js';
import { catchUpWiring } from '../../../lib/jobs/restoreDrill/catchUpWiring.js';
import { localSource } from '../../../lib/local/wiring.js';
import { connectNats } from '../../../lib/nats/connection.js';
import {
  contactsStateAt,
  ensureStream,
  writeContactsProjection,
} from '../../../lib/projections/contactsSeed.js';
import { demoContacts, publishDemoEvents, writeProjectionAt } from '../../helpers/contactsDemo.js';
import { check, type DrillFixture, drillFixture } from '../../helpers/drillFixture.js';
import { archiveNow, backup, drill } from '../../helpers/drillJobs.js';
import { cleanupNatsAfterAll, startNats, type ThrowawayNats } from '../../helpers/nats.js';
import { cleanupPostgresAfterAll } from '../../helpers/postgres.js';

cleanupPostgresAfterAll();
cleanupNatsAfterAll();

const clean = { table: 'public.contacts_projection', checkpointTable: 'public.contacts_checkpoints' };
const tampered = { table: 'public.tampered_projection', checkpointTable: 'public.tampered_checkpoints' };

let nats: ThrowawayNats;
let f: DrillFixture;
let targetTime: Date;

/**
 * Production before the restore point: the stream holds events 1..200, both projection tables are
 * at checkpoint 200 (one of them with a row the events never produced), the outbox has rows
 * evt-1..evt-200 published and evt-201..evt-210 committed but not yet published. After the restore
 * point: the relay publishes those ten and 90 more (201..300), the projector brings both tables to
 * 300 (correctly), and the outbox marks them published.
 */
beforeAll(async () => {
  nats = await startNats();
  f = await drillFixture({ nats: { url: nats.url } });
  const url = f.pg.url();
  await ensureStream(nats.url, 'CONTACTS', 'contacts');
  await publishDemoEvents(nats.url, 'contacts', 1, 200);
  await writeProjectionAt(url, 200, clean);
  const wrong = contactsStateAt(200, { contacts: demoContacts });
  wrong.get('c-3')!.circles.add('tampered');
  await writeContactsProjection(url, wrong, 200, tampered);
  await f.sql(`CREATE TABLE public.outbox (id text PRIMARY KEY, published_at timestamptz)`);
  await f.sql(
    `INSERT INTO public.outbox SELECT 'evt-' || g, CASE WHEN g <= 200 THEN now() END FROM generate_series(1, 210) g`,
  );
  // A second outbox whose one pending row the live relay publishes to a stream that then loses it.
  await f.sql(`CREATE TABLE public.outbox_lost (id text PRIMARY KEY, published_at timestamptz)`);
  await f.sql(`INSERT INTO public.outbox_lost VALUES ('lost-1', NULL)`);
  await backup(f, 'shop-catch-up');
  await localSource(f.system).writeHeartbeat();
  await new Promise((r) => setTimeout(r, 1100));
  targetTime = (await f.sql<{ now: Date }>('SELECT clock_timestamp() AS now'))[0]!.now;
  await new Promise((r) => setTimeout(r, 1100));
  await publishDemoEvents(nats.url, 'contacts', 201, 300);
  await writeProjectionAt(url, 300, clean);
  await writeProjectionAt(url, 300, tampered);
  await f.sql(`UPDATE public.outbox SET published_at = now() WHERE published_at IS NULL`);
  await f.sql(`UPDATE public.outbox_lost SET published_at = now()`);
  await f.sql(`INSERT INTO public.outbox SELECT 'evt-' || g, now() FROM generate_series(211, 300) g`);
  await archiveNow(f);
}, 240_000);

async function drillWithCatchUp(tables: typeof clean, outboxTable = 'public.outbox'): Promise<Report> {
  f.system.restore.catchUp = {
    enabled: true,
    connectTimeoutSeconds: 10,
    projections: [{ stream: 'CONTACTS', projection: 'contacts', ...tables }],
    outbox: {
      table: outboxTable,
      stream: 'CONTACTS',
      idColumn: 'id',
      publishedColumn: 'published_at',
      bound: 1000,
    },
  };
  const { report } = await drill(f, { targetTime, catchUp: catchUpWiring(f.system, f.runbook) });
  return report;
}

describe('restore drill with the catch-up phase (real restore, real nats-server)', () => {
  it('passes when the read models catch up from the restored checkpoint to production, and reports the service RTO', async () => {
    const report = await drillWithCatchUp(clean);
    expect(report.outcome, JSON.stringify(report.checks.filter((c) => c.outcome !== 'passed'))).toBe(
      'passed',
    );
    // Right after the restored database passed verification, before masking touches it.
    const names = report.phases.map((p) => p.name);
    expect(names.slice(names.indexOf('verify-target'), names.indexOf('verify-target') + 3)).toEqual([
      'verify-target',
      'catch-up',
      'mask',
    ]);
    expect(report.catchUp).toMatchObject({
      stream: 'CONTACTS',
      fromSeq: 201,
      toSeq: 300,
      events: 100,
      outboxToRepublish: 10,
    });
    expect(report.catchUp?.digest).toBe(report.catchUp?.liveDigest);
    // catchUp.seconds is the whole phase (what service RTO adds), not only the replay inside it.
    const p = report.phases.find((x) => x.name === 'catch-up')!;
    const phaseSeconds = (Date.parse(p.finishedAt) - Date.parse(p.startedAt)) / 1000;
    expect(report.catchUp!.seconds).toBeGreaterThanOrEqual(phaseSeconds);
    const o = report.objectives!;
    expect(o.serviceRtoSeconds).toBe(serviceRto(o.rtoSeconds, report.catchUp!.seconds));
    expect(o.serviceRtoSeconds!).toBeGreaterThanOrEqual(o.rtoSeconds!);
    expect(report.catchUp?.serviceRtoSeconds).toBe(o.serviceRtoSeconds);
    expect(check(report, 'catch-up contacts: digest: live projection')?.outcome).toBe('passed');
    expect(check(report, 'catch-up contacts: base state')?.detail).toContain('at checkpoint 200');
    expect(check(report, 'catch-up: outbox re-publication')).toMatchObject({ outcome: 'passed' });
    expect(check(report, 'catch-up: outbox re-publication')?.detail).toContain(
      '10 row(s) of public.outbox were committed but not yet published at the restore point',
    );
    expect(check(report, 'catch-up: outbox re-publication')?.detail).toContain('10 already in CONTACTS');
    expect(check(report, 'service-rto-within-target')?.outcome).toBe('passed');
    const runbook = await f.runbook.readRunbook();
    expect(runbook).toContain('service RTO (DB + read models caught up)');
    expect(runbook).toMatch(/\| shop \| .* \| [\d.]+s .*\/ 4h 0m \|\n/);
  });

  it('fails naming the live-digest check when the restored projection was corrupted', async () => {
    const report = await drillWithCatchUp(tampered);
    expect(report.outcome).toBe('failed');
    expect(check(report, 'catch-up contacts: digest: live projection')?.outcome).toBe('failed');
    expect(check(report, 'catch-up contacts: log: sequence gaps')?.outcome).toBe('passed');
    expect(report.objectives?.serviceRtoSeconds).toBeNull();
    expect(check(report, 'service-rto-within-target')?.outcome).toBe('inconclusive');
    expect(report.phases.find((p) => p.name === 'catch-up')?.outcome).toBe('failed');
  });

  it('fails on the outbox alone and still measures the service RTO when the read models caught up', async () => {
    const report = await drillWithCatchUp(clean, 'public.outbox_lost');
    expect(report.outcome).toBe('failed');
    expect(check(report, 'catch-up: outbox re-publication')).toMatchObject({ outcome: 'failed' });
    expect(check(report, 'catch-up: outbox re-publication')?.detail).toContain(
      'would reach consumers twice: lost-1',
    );
    expect(check(report, 'catch-up contacts: digest: live projection')?.outcome).toBe('passed');
    const o = report.objectives!;
    expect(o.serviceRtoSeconds).toBe(serviceRto(o.rtoSeconds, report.catchUp!.seconds));
    expect(check(report, 'service-rto-within-target')?.outcome).toBe('passed');
  });

  it('reports the service RTO as not demonstrated when the catch-up cannot even start, and still tears down', async () => {
    const { report } = await drill(f, {
      targetTime,
      catchUp: () => {
        throw new Error('the replay secret has no NATS login');
      },
    });
    expect(report.outcome).toBe('failed');
    expect(report.reason).toContain('the replay secret has no NATS login');
    expect(report.phases.find((p) => p.name === 'catch-up')?.outcome).toBe('failed');
    expect(check(report, 'service-rto-within-target')?.outcome).toBe('inconclusive');
    expect(report.catchUp).toMatchObject({ stream: '', events: 0, serviceRtoSeconds: null });
    expect(report.phases.find((p) => p.name === 'teardown')?.outcome).toBe('passed');
  });

  it('fails naming the retention check when the stream lost events after the restored checkpoint', async () => {
    const nc = await connectNats(nats.url);
    await (await jetstreamManager(nc)).streams.purge('CONTACTS', { seq: 230 });
    await nc.close();
    const report = await drillWithCatchUp(clean);
    expect(report.outcome).toBe('failed');
    expect(check(report, 'catch-up contacts: log: retention covers the base state')).toMatchObject({
      outcome: 'failed',
    });
    expect(check(report, 'catch-up contacts: log: retention covers the base state')?.detail).toContain(
      'retention gap: the stream starts at 230, the newest state is at 200',
    );
    // evt-201..210 were published live and the purge dropped them: republished, consumers get them twice.
    expect(check(report, 'catch-up: outbox re-publication')).toMatchObject({ outcome: 'failed' });
    expect(check(report, 'catch-up: outbox re-publication')?.detail).toContain(
      "10 were published live and dropped by the stream's retention, and would reach consumers twice: evt-201, evt-202",
    );
    // The database itself was fine: its checks still pass.
    expect(check(report, 'row-counts')?.outcome).toBe('passed');
    expect(report.catchUp?.serviceRtoSeconds).toBeNull();
  });
});
