import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jwksCommand } from '../../lib/cli/commands/jwks.js';
import { rotateCommand } from '../../lib/cli/commands/rotate.js';
import { rotationAuditCommand } from '../../lib/cli/commands/rotationAudit.js';
import type { CommandContext } from '../../lib/cli/context.js';
import { InputError } from '../../lib/core/errors.js';
import type { JwtSecret } from '../../lib/core/rotation/keyring.js';
import { AWSCURRENT } from '../../lib/core/rotation/stages.js';
import { FileSecretStore } from '../../lib/local/fileSecretStore.js';

const t0 = new Date('2026-11-01T00:00:00Z');

function world() {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-jwt-cli-'));
  let clock = t0;
  const out: string[] = [];
  const ctx = (): CommandContext => ({
    out: (t) => out.push(t),
    err: () => {},
    progress: { step: (m) => out.push(m) },
    signal: new AbortController().signal,
    now: () => clock,
  });
  const files = {
    store: join(dir, 'secrets.json'),
    jwks: join(dir, 'jwks.json'),
    runbook: join(dir, 'runbook'),
  };
  const common = ['--store', files.store, '--runbook', files.runbook, '--json'];
  const kids = () =>
    (JSON.parse(readFileSync(files.jwks, 'utf8')) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  const current = async () =>
    JSON.parse(
      (await new FileSecretStore(files.store).getValue('api-jwt', { stage: AWSCURRENT })).value,
    ) as JwtSecret;
  return {
    dir,
    out,
    ctx,
    files,
    common,
    kids,
    current,
    at: (ms: number) => (clock = new Date(t0.getTime() + ms)),
  };
}

const rotateArgs = (w: ReturnType<typeof world>) => [
  '--type',
  'jwt',
  '--secret',
  'api-jwt',
  '--jwks-file',
  w.files.jwks,
  ...w.common,
];

describe('drillbook rotate --init for JWT keys with the default JWKS cache', () => {
  it('publishes first, passes without leaving anything pending or stuck, and rotates once the cache time has passed', async () => {
    const w = world();
    expect(await rotateCommand.run([...rotateArgs(w), '--init'], w.ctx())).toBe(0);
    const first = JSON.parse(w.out.find((l) => l.startsWith('{'))!);
    expect(first.outcome).toBe('passed');
    expect(first.details.deferredUntil).toBe('2026-11-01T00:05:00.000Z');
    expect(w.out.join('\n')).toMatch(
      /keys published; the first rotation can run after 2026-11-01T00:05:00.000Z/,
    );
    const initial = await w.current();
    expect(w.kids().sort()).toEqual([initial.active.kid, initial.next.kid].sort());

    w.out.length = 0;
    w.at(60_000);
    expect(await rotationAuditCommand.run(['--secret', 'api-jwt', ...w.common], w.ctx())).toBe(0);
    expect(JSON.parse(w.out.find((l) => l.startsWith('{'))!).details.summary.stuck).toBe(0);

    w.at(301_000);
    expect(await rotateCommand.run(rotateArgs(w), w.ctx())).toBe(0);
    expect((await w.current()).active.kid).toBe(initial.next.kid);
  });

  it('drops a retired key from the JWKS file when its overlap ends, through drillbook jwks and the audit', async () => {
    const w = world();
    await rotateCommand.run([...rotateArgs(w), '--init'], w.ctx());
    const initial = await w.current();
    w.at(3_600_000);
    expect(await rotateCommand.run(rotateArgs(w), w.ctx())).toBe(0);
    expect(w.kids()).toContain(initial.active.kid); // retired, still in its overlap (1 h + 5 min)
    w.at(3_600_000 + 30 * 60_000);
    expect(
      await jwksCommand.run(
        ['--secret', 'api-jwt', '--jwks-file', w.files.jwks, '--store', w.files.store],
        w.ctx(),
      ),
    ).toBe(0);
    expect(w.kids()).toContain(initial.active.kid);
    w.at(3_600_000 + 3_900_000 + 1000);
    expect(
      await jwksCommand.run(
        ['--secret', 'api-jwt', '--jwks-file', w.files.jwks, '--store', w.files.store],
        w.ctx(),
      ),
    ).toBe(0);
    expect(w.kids()).not.toContain(initial.active.kid);
    expect(w.kids()).toHaveLength(2);

    // The audit does the same for every configured secret with a jwksFile.
    writeFileSync(w.files.jwks, JSON.stringify({ keys: [] }));
    const config = join(w.dir, 'drillbook.json');
    writeFileSync(
      config,
      JSON.stringify({
        systems: [{ name: 'api', database: { sourceUrl: 'postgres://u:p@db:5432/api' } }],
        secrets: {
          storeFile: w.files.store,
          items: [{ id: 'api-jwt', type: 'jwt', jwt: { jwksFile: w.files.jwks } }],
        },
      }),
    );
    await rotationAuditCommand.run(['--config', config, '--runbook', w.files.runbook, '--json'], w.ctx());
    expect(w.kids()).toHaveLength(2);
    expect(w.kids()).not.toContain(initial.active.kid);
  });
});

describe('drillbook rotate and jwks with a JWKS file', () => {
  const missing = (w: ReturnType<typeof world>) => join(w.dir, 'no-such-folder', 'j.json');

  it('refuses a --jwks-file in a missing folder as bad input, before creating the secret', async () => {
    const w = world();
    const args = ['--type', 'jwt', '--secret', 'api-jwt', '--jwks-file', missing(w), ...w.common, '--init'];
    const error = await rotateCommand.run(args, w.ctx()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe('--jwks-file');
    expect((error as Error).message).toContain(join(w.dir, 'no-such-folder'));
    expect(await new FileSecretStore(w.files.store).has('api-jwt')).toBe(false);
  });

  it('publishes on an --init re-run, and the cache wait restarts from when NEXT reached the file', async () => {
    const w = world();
    // The secret exists but its keys never reached the JWKS file (an --init without --jwks-file).
    const noFile = ['--type', 'jwt', '--secret', 'api-jwt', ...w.common];
    expect(await rotateCommand.run([...noFile, '--init'], w.ctx())).toBe(0);
    const initial = await w.current();

    w.at(600_000); // past the 300 s cache time counted from the key's generation
    w.out.length = 0;
    expect(await rotateCommand.run([...rotateArgs(w), '--init'], w.ctx())).toBe(0);
    expect(w.kids().sort()).toEqual([initial.active.kid, initial.next.kid].sort());
    const rerun = JSON.parse(w.out.find((l) => l.startsWith('{'))!);
    expect(rerun.details.deferredUntil).toBe('2026-11-01T00:15:00.000Z');
    expect(w.out.join('\n')).toMatch(/published 2 new public keys of api-jwt/);
    expect(JSON.stringify(rerun.checks)).toMatch(/reached the JWKS file only at 2026-11-01T00:10:00.000Z/);
    expect((await w.current()).active.kid).toBe(initial.active.kid);

    // Still inside the wait: a plain rotate defers again (the file remembers when NEXT arrived).
    w.at(800_000);
    w.out.length = 0;
    expect(await rotateCommand.run(rotateArgs(w), w.ctx())).toBe(0);
    expect(JSON.parse(w.out.find((l) => l.startsWith('{'))!).details.deferredUntil).toBe(
      '2026-11-01T00:15:00.000Z',
    );
    expect((await w.current()).active.kid).toBe(initial.active.kid);

    w.at(901_000);
    expect(await rotateCommand.run(rotateArgs(w), w.ctx())).toBe(0);
    expect((await w.current()).active.kid).toBe(initial.next.kid);
  });

  it('drillbook jwks: a missing folder and a secret that is not a JWT key ring are bad input', async () => {
    const w = world();
    const jwks = (file: string) =>
      jwksCommand.run(['--secret', 'api-hmac', '--jwks-file', file, '--store', w.files.store], w.ctx());
    await rotateCommand.run(['--type', 'hmac', '--secret', 'api-hmac', ...w.common, '--init'], w.ctx());
    const folder = await jwks(missing(w)).catch((e: unknown) => e);
    expect(folder).toBeInstanceOf(InputError);
    expect((folder as InputError).field).toBe('--jwks-file');
    const type = await jwks(w.files.jwks).catch((e: unknown) => e);
    expect(type).toBeInstanceOf(InputError);
    expect((type as InputError).field).toBe('--secret');
    expect((type as Error).message).toMatch(/not a JWT key ring \(its type is hmac\)/);
  });
});
