import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RunbookStore } from '../lib/aws/s3RunbookStore.js';
import { renderMarkdown } from '../lib/core/markdown.js';
import { reportKey } from '../lib/core/report.js';
import { ReportExistsError } from '../lib/core/reportingErrors.js';
import { FolderRunbookStore } from '../lib/local/folderRunbookStore.js';
import type { KeyedRunbookStore } from '../lib/runbookStore.js';
import { type LocalS3, startS3rver } from './helpers/s3rver.js';
import { otherReport, restoreDrill } from './helpers/sampleReports.js';

/** A store under test, with raw access to what it stored (keys relative to its root). */
interface Subject {
  store: KeyedRunbookStore;
  warnings: string[];
  writeRaw(key: string, body: string): Promise<void>;
  readRaw(key: string): Promise<string>;
}

let s3: LocalS3;
let folderRoot: string;
let n = 0;
beforeAll(async () => {
  s3 = await startS3rver(['contract'], { conditionalWrites: true });
  folderRoot = await mkdtemp(join(tmpdir(), 'drillbook-runbook-contract-'));
});
afterAll(async () => {
  await s3?.close();
  if (folderRoot) await rm(folderRoot, { recursive: true, force: true });
});

const stores: [string, () => Subject][] = [
  [
    'FolderRunbookStore',
    () => {
      const root = join(folderRoot, `t${++n}`);
      const warnings: string[] = [];
      return {
        store: new FolderRunbookStore(root, { warn: (m) => warnings.push(m) }),
        warnings,
        async writeRaw(key, body) {
          await mkdir(dirname(join(root, key)), { recursive: true });
          await writeFile(join(root, key), body);
        },
        readRaw: (key) => readFile(join(root, key), 'utf8'),
      };
    },
  ],
  [
    'S3RunbookStore (s3rver)',
    () => {
      const prefix = `t${++n}/`;
      const client = s3.client();
      const warnings: string[] = [];
      return {
        store: new S3RunbookStore({ bucket: 'contract', prefix, client, warn: (m) => warnings.push(m) }),
        warnings,
        async writeRaw(key, body) {
          await client.send(new PutObjectCommand({ Bucket: 'contract', Key: prefix + key, Body: body }));
        },
        async readRaw(key) {
          const out = await client.send(new GetObjectCommand({ Bucket: 'contract', Key: prefix + key }));
          return (await out.Body?.transformToString('utf-8')) ?? '';
        },
      };
    },
  ],
];

describe.each(stores)('the runbook store contract: %s', (_name, subject) => {
  it('stores a report as JSON and Markdown under the shared layout and reads it back', async () => {
    const { store, readRaw } = subject();
    const report = restoreDrill();
    const location = await store.putReport(report, renderMarkdown(report));
    expect(location).toBe(store.location(`${reportKey(report)}.json`));
    expect(await readRaw(`${reportKey(report)}.md`)).toContain('# Restore drill: PASS');
    expect(await store.getReport(report.id)).toEqual(report);
    expect(await store.getReport('restore-drill-nope')).toBeNull();
  });

  it('treats storing the identical report again (a redelivery) as success, without rewriting it', async () => {
    const { store, readRaw } = subject();
    const report = otherReport('canary-halt');
    const first = await store.putReport(report, 'first');
    expect(await store.putReport(structuredClone(report), 'second')).toBe(first);
    expect(await readRaw(`${reportKey(report)}.md`)).toBe('first');
  });

  it('refuses a different report under an existing id and leaves the stored one untouched', async () => {
    const { store, readRaw } = subject();
    const report = restoreDrill();
    await store.putReport(report, 'first');
    const second = { ...report, outcome: 'failed' as const };
    await expect(store.putReport(second, 'second')).rejects.toBeInstanceOf(ReportExistsError);
    expect((await store.getReport(report.id))?.outcome).toBe('passed');
    expect(await readRaw(`${reportKey(report)}.md`)).toBe('first');
  });

  it('finishes a report whose Markdown an interrupted attempt left behind', async () => {
    const { store, writeRaw, readRaw } = subject();
    const report = otherReport('backup');
    await writeRaw(`${reportKey(report)}.md`, 'partial');
    await store.putReport(report, 'complete');
    expect(await store.getReport(report.id)).toEqual(report);
    expect(await readRaw(`${reportKey(report)}.md`)).toBe('complete');
  });

  it('lists reports newest first, filtered by kind and system, with a limit', async () => {
    const { store } = subject();
    // Three months of drills for two systems, stored oldest first, and one backup.
    const months = ['2026-08', '2026-09', '2026-10'];
    const drills = months.flatMap((m, i) =>
      ['orders', 'billing'].map((system) =>
        restoreDrill({
          system,
          id: `restore-drill-${system}-${i}`,
          startedAt: `${m}-0${i + 1}T02:00:00.000Z`,
        }),
      ),
    );
    for (const r of [...drills, otherReport('backup')]) await store.putReport(r, renderMarkdown(r));
    const all = await store.listReports();
    expect(all).toHaveLength(drills.length + 1);
    expect(all.map((r) => r.startedAt)).toEqual([...all.map((r) => r.startedAt)].sort().reverse());
    const billing = await store.listReports({ kind: 'restore-drill', system: 'billing', limit: 2 });
    expect(billing.map((r) => r.id)).toEqual(['restore-drill-billing-2', 'restore-drill-billing-1']);
    expect(await store.listReports({ kind: 'backup' })).toHaveLength(1);
  });

  it('skips what is not a drillbook report, malformed JSON with a warning naming it', async () => {
    const { store, writeRaw, warnings } = subject();
    const report = restoreDrill();
    await store.putReport(report, renderMarkdown(report));
    await writeRaw('reports/restore-drill/2026/11/junk.json', '{}');
    await writeRaw('reports/restore-drill/2026/11/broken.json', '{"id": ');
    expect((await store.listReports()).map((r) => r.id)).toEqual([report.id]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(store.location('reports/restore-drill/2026/11/broken.json'));
    expect(await store.getReport('broken')).toBeNull();
  });

  it('lists nothing from an empty store', async () => {
    const { store } = subject();
    expect(await store.listReports()).toEqual([]);
    expect(await store.readRunbook()).toBeNull();
  });

  it('writes and rewrites RUNBOOK.md and extra files', async () => {
    const { store } = subject();
    await store.writeRunbook('one');
    await store.writeRunbook('two');
    expect(await store.readRunbook()).toBe('two');
    const where = await store.putFile('reports/x/page.html', '<p>', 'text/html');
    expect(where).toBe(store.location('reports/x/page.html'));
    expect(await store.getFile('reports/x/page.html')).toBe('<p>');
    expect(await store.getFile('reports/x/none.html')).toBeNull();
  });

  it('lets exactly one claimant win a claim, and gives it back', async () => {
    const { store } = subject();
    const results = await Promise.all(['a', 'b', 'c'].map((body) => store.claimFile('claims/k.json', body)));
    const winners = results.filter((r) => r.claimed);
    expect(winners).toHaveLength(1);
    const existing = results.flatMap((r) => (r.claimed ? [] : [r.existing]));
    expect(new Set(existing).size).toBe(1);
    await store.releaseClaim('claims/k.json');
    await store.releaseClaim('claims/k.json');
    expect((await store.claimFile('claims/k.json', 'd')).claimed).toBe(true);
  });
});
