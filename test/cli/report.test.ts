import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../lib/cli/commands/report.js';
import { renderMarkdown } from '../../lib/core/markdown.js';
import { FolderRunbookStore } from '../../lib/local/folderRunbookStore.js';
import { capturedContext as context } from '../helpers/commandContext.js';
import { failedRestoreDrill, otherReport, restoreDrill } from '../helpers/sampleReports.js';

describe('drillbook report', () => {
  const runbook = mkdtempSync(join(tmpdir(), 'drillbook-report-cli-'));
  const older = restoreDrill();
  const newer = failedRestoreDrill();
  const backup = otherReport('backup');

  beforeAll(async () => {
    const store = new FolderRunbookStore(runbook);
    for (const r of [older, newer, backup]) await store.putReport(r, renderMarkdown(r));
  });

  it('shows the newest report of a kind as Markdown, and a report by id as JSON', async () => {
    const latest = context();
    expect(
      await reportCommand.run(['latest', '--kind', 'restore-drill', '--runbook', runbook], latest.ctx),
    ).toBe(0);
    expect(latest.out.join('\n')).toContain(`\`${newer.id}\``);

    const byId = context();
    expect(await reportCommand.run([older.id, '--runbook', runbook, '--json'], byId.ctx)).toBe(0);
    expect(JSON.parse(byId.out.join('\n'))).toEqual(older);
  });

  it('names the problem when nothing matches or the kind is unknown', async () => {
    await expect(reportCommand.run(['nope', '--runbook', runbook], context().ctx)).rejects.toThrow(
      'ID: no report found for "nope"',
    );
    await expect(
      reportCommand.run(['--kind', 'nightly', '--runbook', runbook], context().ctx),
    ).rejects.toThrow(/^--kind: must be one of backup, restore-drill/);
  });
});
