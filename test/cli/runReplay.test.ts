import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/cli/commands/run.js';
import { FolderRunbookStore } from '../../lib/local/folderRunbookStore.js';
import { seedContactsDemo } from '../../lib/projections/contactsSeed.js';
import { capturedContext as context } from '../helpers/commandContext.js';
import { cleanupNatsAfterAll, startNats } from '../helpers/nats.js';

cleanupNatsAfterAll();

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('drillbook run replay-rehearsal', () => {
  it('executes the deployed ASL locally against a real NATS stream and stores the report', async () => {
    const nats = await startNats();
    const seeded = await seedContactsDemo({ natsUrl: nats.url, events: 300 });
    const runbook = mkdtempSync(join(tmpdir(), 'drillbook-run-replay-'));
    process.env['DRILLBOOK_NATS_URL'] = nats.url;
    const { ctx, out, err, steps } = context();

    const code = await runCommand.run(
      [
        'replay-rehearsal',
        '--input',
        JSON.stringify({ stream: seeded.stream, projection: 'contacts' }),
        '--runbook',
        runbook,
        '--json',
      ],
      ctx,
    );

    expect(code, err.join('\n')).toBe(0);
    expect(steps).toContain('replay-rehearsal: ReplayRehearsal (Task)');
    const [report] = await new FolderRunbookStore(runbook).listReports({ kind: 'replay-rehearsal' });
    expect(report?.outcome).toBe('passed');
    expect(report?.replay).toMatchObject({ stream: seeded.stream, events: 300, digest: seeded.digest });
    expect(JSON.parse(out.join('\n')).result.outcome).toBe('passed');
  });

  it('rejects input that does not validate, naming the field', async () => {
    const { ctx } = context();
    await expect(
      runCommand.run(
        ['replay-rehearsal', '--input', '{"stream":"a b","projection":"contacts"}', '--dry-run'],
        ctx,
      ),
    ).rejects.toThrow(/^--input\.stream: must be a stream name/);
  });
});
