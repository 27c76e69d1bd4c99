import { describe, expect, it } from 'vitest';
import { cliPublishers } from '../../lib/cli/publishers.js';
import { InputError } from '../../lib/core/errors.js';
import { FolderRunbookStore } from '../../lib/local/folderRunbookStore.js';
import { capturedContext as context } from '../helpers/commandContext.js';
import { restoreDrill } from '../helpers/sampleReports.js';

describe('cliPublishers', () => {
  it('prints the chat summary on stdout, or on stderr with --json', async () => {
    const plain = context();
    await cliPublishers(plain.ctx, null, { runbook: '/tmp/unused' }).chat?.postReport(restoreDrill(), 'loc');
    expect(plain.out.join()).toContain('Restore drill PASSED');
    const json = context();
    const p = cliPublishers(json.ctx, null, { runbook: '/tmp/unused', json: true });
    await p.chat?.postReport(restoreDrill(), 'loc');
    expect(json.out).toEqual([]);
    expect(json.err.join()).toContain('Restore drill PASSED');
    expect(p.runbook).toBeInstanceOf(FolderRunbookStore);
  });

  it('rejects an unknown --target naming the flag', () => {
    expect(() => cliPublishers(context().ctx, null, { target: 'gcp' })).toThrow(InputError);
    expect(() => cliPublishers(context().ctx, null, { target: 'gcp' })).toThrow(
      '--target: must be "local" or "aws"',
    );
  });
});
