/**
 * npm run bench:outbox-lookup [-- --rows 1000000 --batches 50]
 *
 * What the replay rehearsal's outbox reconciliation costs production. The rehearsal looks the
 * stream's message ids up in the live outbox, 1000 ids per batch (PgOutbox.missing); the drill's
 * catch-up asks which restored rows were published live (PgUnpublishedOutbox.publishedAmong).
 * On an outbox keyed by uuid (bigint behaves alike) this bench times both against the same
 * lookup written as a text comparison (`id::text = $id`, what drillbook did before), and counts
 * the outbox's heap and index blocks each batch touches (pg_statio_user_tables).
 * Target: a batch touches O(batch) blocks, not the whole outbox.
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import '../lib/polyfills.js';
import { makeServerTempDir } from '../lib/local/exec.js';
import { LocalCluster } from '../lib/local/pgCluster.js';
import { PgOutbox, PgUnpublishedOutbox } from '../lib/pg/outbox.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, batches: { type: 'string', default: '50' } },
});
const rows = Number(values.rows);
const batches = Number(values.batches);
const batchSize = 1000;
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

const root = makeServerTempDir('drillbook-bench-outbox-');
const cluster = await LocalCluster.init({ dir: `${root}/pg`, fast: true });
await cluster.start();
const url = cluster.url();
const admin = new pg.Client({ connectionString: url });
try {
  await admin.connect();
  log(`outbox of ${rows} uuid rows`);
  await admin.query(
    `CREATE TABLE public.outbox (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz)`,
  );
  await admin.query(
    `INSERT INTO public.outbox (id, published_at) SELECT gen_random_uuid(), now() FROM generate_series(1, $1::int)`,
    [rows],
  );
  await admin.query('ANALYZE public.outbox');
  // Half the ids of each batch are in the outbox, half are not (a stream ahead of the outbox).
  const known = (
    await admin.query<{ id: string }>(`SELECT id::text AS id FROM public.outbox ORDER BY random() LIMIT $1`, [
      (batches * batchSize) / 2,
    ])
  ).rows.map((r) => r.id);
  const batchesOfIds = Array.from({ length: batches }, (_, b) => [
    ...known.slice((b * batchSize) / 2, ((b + 1) * batchSize) / 2),
    ...Array.from({ length: batchSize / 2 }, () => crypto.randomUUID()),
  ]);

  const blocks = async () => {
    await admin.query('SELECT pg_stat_clear_snapshot()');
    const r = await admin.query<{ n: string }>(
      `SELECT (coalesce(heap_blks_read,0) + coalesce(heap_blks_hit,0) + coalesce(idx_blks_read,0) + coalesce(idx_blks_hit,0))::text AS n
         FROM pg_statio_user_tables WHERE relname = 'outbox'`,
    );
    return Number(r.rows[0]?.n ?? 0);
  };
  /** Runs every batch through `lookup`; ms per batch and blocks per batch (stats flush on disconnect). */
  const measure = async (
    name: string,
    { lookup, close }: { lookup: (ids: string[]) => Promise<unknown>; close: () => Promise<void> },
  ) => {
    const before = await blocks();
    const started = performance.now();
    for (const ids of batchesOfIds) await lookup(ids);
    const ms = (performance.now() - started) / batches;
    await close();
    await new Promise((r) => setTimeout(r, 1500));
    const perBatch = ((await blocks()) - before) / batches;
    log(`${name}: ${ms.toFixed(1)} ms and ${Math.round(perBatch)} blocks per batch of ${batchSize}`);
    return { msPerBatch: Number(ms.toFixed(1)), blocksPerBatch: Math.round(perBatch) };
  };
  /** A lookup as drillbook wrote it before (comparing `id::text`), on a connection of its own. */
  const textComparison = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return { lookup: (ids: string[]) => client.query(sql, [ids]), close: () => client.end() };
  };

  const textMissing = await measure(
    'missing, text comparison (before)',
    await textComparison(
      `SELECT u.id FROM unnest($1::text[]) AS u(id) WHERE NOT EXISTS (SELECT 1 FROM public.outbox o WHERE o.id::text = u.id)`,
    ),
  );
  const outbox = new PgOutbox(url, { table: 'public.outbox' });
  const typedMissing = await measure('missing, PgOutbox', {
    lookup: (ids) => outbox.missing(ids),
    close: () => outbox.close(),
  });
  const textPublished = await measure(
    'publishedAmong, text comparison (before)',
    await textComparison(
      `SELECT id::text AS id FROM public.outbox WHERE id::text = ANY($1::text[]) AND published_at IS NOT NULL`,
    ),
  );
  const live = new PgUnpublishedOutbox(url, { table: 'public.outbox' });
  const typedPublished = await measure('publishedAmong, PgUnpublishedOutbox', {
    lookup: (ids) => live.publishedAmong(ids),
    close: async () => {},
  });
  const ratio = (a: { msPerBatch: number }, b: { msPerBatch: number }) =>
    Number((a.msPerBatch / b.msPerBatch).toFixed(3));
  process.stdout.write(
    `${JSON.stringify(
      {
        rows,
        batches,
        batchSize,
        missing: { before: textMissing, now: typedMissing, timeRatio: ratio(typedMissing, textMissing) },
        publishedAmong: {
          before: textPublished,
          now: typedPublished,
          timeRatio: ratio(typedPublished, textPublished),
        },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await admin.end().catch(() => {});
  await cluster.destroy().catch(() => {});
  await rm(root, { recursive: true, force: true });
}
