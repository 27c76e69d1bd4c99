import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { restoreDrillCommand } from '../../lib/cli/commands/restoreDrill.js';
import { InputError } from '../../lib/core/errors.js';
import { capturedContext } from '../helpers/commandContext.js';

const dir = mkdtempSync(join(tmpdir(), 'drillbook-catch-up-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(restore: Record<string, unknown> = {}): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      systems: [
        {
          name: 'shop',
          database: { sourceUrl: 'postgres://app:secret@127.0.0.1:1/shop' },
          backup: { local: { dir: join(dir, 'backups') } },
          restore,
        },
      ],
    }),
  );
  return file;
}

describe('drillbook restore-drill --catch-up', () => {
  it('is bad input, naming the flag, for a system without restore.catchUp', async () => {
    const { ctx } = capturedContext();
    await expect(restoreDrillCommand.run(['--config', configFile(), '--catch-up'], ctx)).rejects.toThrow(
      InputError,
    );
    await expect(restoreDrillCommand.run(['--config', configFile(), '--catch-up'], ctx)).rejects.toThrow(
      /--catch-up: needs systems\[\]\.restore\.catchUp for system shop/,
    );
  });

  it('refuses --catch-up together with --no-catch-up', async () => {
    const { ctx } = capturedContext();
    await expect(
      restoreDrillCommand.run(['--config', configFile(), '--catch-up', '--no-catch-up'], ctx),
    ).rejects.toThrow(/--catch-up: cannot be given with --no-catch-up/);
  });

  it('refuses the flags with --target aws, where the deployed config decides', async () => {
    const { ctx } = capturedContext();
    await expect(
      restoreDrillCommand.run(['--config', configFile(), '--target', 'aws', '--no-catch-up'], ctx),
    ).rejects.toThrow(/--no-catch-up: with --target aws/);
  });

  it('names the missing NATS server of a configured catch-up', async () => {
    const { ctx } = capturedContext();
    const file = configFile({ catchUp: { projections: [{ stream: 'CONTACTS', projection: 'contacts' }] } });
    await expect(restoreDrillCommand.run(['--config', file], ctx)).rejects.toThrow(
      /restore\.catchUp\.natsUrl/,
    );
  });
});
