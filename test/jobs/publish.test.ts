import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reportKey } from '../../lib/core/report.js';
import { publishReport } from '../../lib/jobs/publish.js';
import { FolderRunbookStore } from '../../lib/local/folderRunbookStore.js';
import type { RunbookStore } from '../../lib/ports.js';
import { failedRestoreDrill, otherReport, restoreDrill } from '../helpers/sampleReports.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function folder(): Promise<FolderRunbookStore> {
  const dir = await mkdtemp(join(tmpdir(), 'drillbook-publish-'));
  dirs.push(dir);
  return new FolderRunbookStore(dir);
}

describe('publishReport', () => {
  it('stores an HTML report beside the JSON, with the trend of the earlier drills of the system', async () => {
    const store = await folder();
    await publishReport(restoreDrill({ startedAt: '2026-09-01T02:00:00.000Z' }), {
      runbook: store,
      warn: () => {},
    });
    await publishReport(restoreDrill({ startedAt: '2026-10-01T02:00:00.000Z' }), {
      runbook: store,
      warn: () => {},
    });
    await publishReport(otherReport('backup'), { runbook: store, warn: () => {} });
    const report = failedRestoreDrill();
    const warnings: string[] = [];
    await publishReport(report, { runbook: store, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    const html = await readFile(join(store.root, `${reportKey(report)}.html`), 'utf8');
    expect(html).toContain('<span class="badge failed" id="outcome">failed</span>');
    expect(html.match(/class="trend-point" data-series="rpo"/g)).toHaveLength(3);
    expect(existsSync(join(store.root, `${reportKey(otherReport('backup'))}.html`))).toBe(true);
    const runbook = await store.readRunbook();
    expect(runbook).toContain('| orders | 2026-11-08 | failed |');
    expect(runbook).toContain('✓ ✓ ✗');
  });

  it('keeps the report when the HTML cannot be stored, and says why', async () => {
    const inner = await folder();
    const store: RunbookStore = {
      putReport: (r, md) => inner.putReport(r, md),
      listReports: (f) => inner.listReports(f),
      getReport: (id) => inner.getReport(id),
      readRunbook: () => inner.readRunbook(),
      writeRunbook: (t) => inner.writeRunbook(t),
      putFile: async () => {
        throw new Error('disk full');
      },
    };
    const warnings: string[] = [];
    const location = await publishReport(restoreDrill(), { runbook: store, warn: (m) => warnings.push(m) });
    expect(existsSync(location)).toBe(true);
    expect(warnings).toEqual(['could not store the HTML report: disk full']);
  });
});
