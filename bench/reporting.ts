/**
 * How long publishReport takes as the runbook grows, on the folder store and on a local
 * S3-compatible server (s3rver): store JSON + Markdown, render and store the HTML report with its
 * trend, rewrite RUNBOOK.md from all restore drills. No chat or metrics (network-bound, bounded by
 * their own timeouts). Usage: npm run bench:reporting [-- REPORTS]  (default 200)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3RunbookStore } from '../lib/aws/s3RunbookStore.js';
import type { Report } from '../lib/core/report.js';
import { publishReport } from '../lib/jobs/publish.js';
import { FolderRunbookStore } from '../lib/local/folderRunbookStore.js';
import type { RunbookStore } from '../lib/ports.js';
import { startS3rver } from '../test/helpers/s3rver.js';
import { restoreDrill } from '../test/helpers/sampleReports.js';

const total = Number(process.argv[2] ?? 200);
if (!Number.isInteger(total) || total < 10) {
  process.stderr.write('usage: npm run bench:reporting [-- REPORTS>=10]\n');
  process.exit(2);
}

/** Drills for 5 systems, one a day per system, oldest first. */
function drill(i: number): Report {
  const system = `sys-${i % 5}`;
  const startedAt = new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 5) * 86_400_000).toISOString();
  return restoreDrill({
    system,
    id: `restore-drill-${system}-${startedAt.replace(/[-:.]/g, '')}-${i}`,
    startedAt,
    rto: 150 + (i % 40),
  });
}

async function bench(name: string, store: RunbookStore): Promise<void> {
  const checkpoints = new Set([10, Math.round(total / 2), total]);
  let window: number[] = [];
  for (let i = 0; i < total; i++) {
    const t0 = performance.now();
    await publishReport(drill(i), { runbook: store, warn: (m) => process.stderr.write(`warning: ${m}\n`) });
    window.push(performance.now() - t0);
    if (checkpoints.has(i + 1)) {
      const sorted = [...window].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
      process.stdout.write(
        `${name.padEnd(8)} ${String(i + 1).padStart(5)} reports stored: publishReport median ${median.toFixed(1)} ms, max ${Math.max(...window).toFixed(1)} ms (last ${window.length})\n`,
      );
      window = [];
    }
  }
}

const dir = await mkdtemp(join(tmpdir(), 'drillbook-bench-reporting-'));
const s3 = await startS3rver(['bench']);
try {
  await bench('folder', new FolderRunbookStore(join(dir, 'runbook')));
  await bench('s3rver', new S3RunbookStore({ bucket: 'bench', prefix: 'drillbook/', client: s3.client() }));
} finally {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
}
