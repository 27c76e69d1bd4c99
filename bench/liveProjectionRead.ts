/**
 * npm run bench:live-read [-- --rows 200000,1000000 --clients 4 --rounds 1]
 *
 * What reading the live projection costs production. The replay rehearsal's live check and the
 * restore drill's catch-up read the production read model (PgLiveProjection: its checkpoint and
 * every row, in one REPEATABLE READ READ ONLY transaction). It takes no lock a writer waits for
 * (ACCESS SHARE only), but it scans the table and holds a snapshot for as long as it reads.
 * Here a projector-like write load (pgbench: update a random contact, several clients) runs
 * against the table during the read and during the same stretch of a run without it; the bench
 * prints the read's duration and rows/s, and the writes' max and p99 latency with and without.
 * Target: no added write stall beyond noise (max ratio near 1; the read takes no lock writers wait on).
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import '../lib/polyfills.js';
import { makeServerTempDir, pgBin, run } from '../lib/local/exec.js';
import { LocalCluster } from '../lib/local/pgCluster.js';
import { PgLiveProjection } from '../lib/pg/liveProjection.js';
import { contactsProjection, contactsTableDdl } from '../lib/projections/contacts.js';
import { compareWindow, LEAD_SECONDS, transactions, writeLoad } from './pgbenchLoad.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000,1000000' },
    clients: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '1' },
  },
});
const sizes = String(values.rows).split(',').map(Number);
const clients = Number(values.clients);
const rounds = Number(values.rounds);
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
/** with / without, or null when there is nothing to divide by. */
const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(2)) : null);

const results: Record<string, unknown>[] = [];
for (const rows of sizes) results.push(await benchRows(rows));
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

async function benchRows(rows: number): Promise<Record<string, unknown>> {
  const root = makeServerTempDir('drillbook-bench-live-');
  const source = await LocalCluster.init({ dir: join(root, 'source'), fast: true });
  try {
    await source.start();
    const url = source.url();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    log(`${rows} contacts in the live projection`);
    await admin.query(contactsTableDdl());
    await admin.query(
      `INSERT INTO public.contacts_projection (contact_id, name, email, circles, created_at)
       SELECT 'c' || i, 'Contact ' || i, 'c' || i || '@example.com', ARRAY['friends'], now() FROM generate_series(1, $1::int) AS i`,
      [rows],
    );
    await admin.query(`INSERT INTO public.projection_checkpoints VALUES ('contacts', $1)`, [rows]);
    await admin.query('ANALYZE public.contacts_projection');
    await admin.end();
    const script = join(root, 'projector.sql');
    await writeFile(
      script,
      `\\set id random(1, ${rows})\nUPDATE public.contacts_projection SET email = 'e' || :id || '-' || random() || '@example.com' WHERE contact_id = 'c' || :id;\n`,
    );
    const pgbench = (args: string[]) =>
      run(
        pgBin('pgbench'),
        [...args, '-h', '127.0.0.1', '-p', String(source.port), '-U', 'drillbook', 'postgres'],
        { env: { PGPASSWORD: decodeURIComponent(new URL(url).password) }, timeoutMs: 3600_000, cwd: root },
      );
    const live = new PgLiveProjection(url, contactsProjection);
    const read = async () => {
      const startedAt = Date.now();
      const state = await live.state();
      if (!state || state.rows !== rows) throw new Error(`read ${state?.rows ?? 0} rows, expected ${rows}`);
      return { startedAt, seconds: (Date.now() - startedAt) / 1000 };
    };
    log('warm-up read');
    const warm = await read();
    // A read under write load takes several times its quiet warm-up: the load must outlast it.
    const seconds = Math.ceil(5 * warm.seconds + 2 * LEAD_SECONDS);
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < rounds; i++) {
      const load = (prefix: string) => ({ dir: root, prefix, seconds, clients, script: ['-f', script] });
      log(`round ${i + 1}: ${seconds}s of projector writes, no read`);
      const quietRun = await writeLoad(pgbench, load(`quiet-${i}`), async () => {});
      log(`round ${i + 1}: ${seconds}s of projector writes with the live read`);
      let took: Awaited<ReturnType<typeof read>> | null = null;
      const busyRun = await writeLoad(pgbench, load(`busy-${i}`), async () => {
        took = await read();
      });
      const r = took as Awaited<ReturnType<typeof read>> | null;
      if (!r) throw new Error('no read ran');
      if (r.startedAt + r.seconds * 1000 > busyRun.startedAt + seconds * 1000)
        log('  warning: the read outlasted the write load; its end ran without writes');
      const busy = { ...busyRun, transactions: await transactions(root, `busy-${i}`) };
      const quiet = { ...quietRun, transactions: await transactions(root, `quiet-${i}`) };
      const c = compareWindow(busy, quiet, { from: r.startedAt, to: r.startedAt + r.seconds * 1000 });
      const row = {
        readSeconds: Number(r.seconds.toFixed(2)),
        rowsPerSecond: Math.round(rows / r.seconds),
        with: c.with,
        without: c.without,
        maxRatio: ratio(c.with.maxMs, c.without.maxMs),
        p99Ratio: ratio(c.with.p99Ms, c.without.p99Ms),
        addedStallMs: Number((c.with.maxMs - c.without.maxMs).toFixed(1)),
        throughputRatio: ratio(c.with.transactions, c.without.transactions),
      };
      log(`  ${JSON.stringify(row)}`);
      out.push(row);
    }
    await live.close();
    return { rows, clients, rounds: out };
  } finally {
    await source.destroy().catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
}
