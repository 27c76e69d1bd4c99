import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canaryHaltCommand } from '../../lib/cli/commands/canaryHalt.js';
import { main } from '../../lib/cli/main.js';
import { createLocalRegistry } from '../../lib/demo/canaryDemo.js';
import { LocalDeployments } from '../../lib/local/localDeployments.js';
import { startWebhookServer } from '../helpers/webhookServer.js';

const fixturePath = (name: string) => new URL(`../fixtures/canary/${name}`, import.meta.url).pathname;
const alarmAt = new Date('2026-11-23T06:30:04.975Z');

let dir: string;
let out: string[];
let err: string[];
const ctx = () => ({
  out: (t: string) => out.push(t),
  err: (t: string) => err.push(t),
  progress: { step: () => {} },
  signal: new AbortController().signal,
  // Replayed seconds after the fixture's alarm, as the EventBridge rule would deliver it.
  now: () => new Date(alarmAt.getTime() + 10_000),
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drillbook-canary-cli-'));
  out = [];
  err = [];
  // The registry as it was when the fixture's alarm fired: a canary 12 minutes into its 30.
  await createLocalRegistry(join(dir, 'registry.json'), {
    application: 'checkout',
    deploymentGroup: 'checkout-live',
    now: alarmAt,
  });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = () => [
  '--event',
  fixturePath('alarm-state-alarm.json'),
  '--registry',
  join(dir, 'registry.json'),
  '--runbook',
  join(dir, 'runbook'),
];

describe('drillbook canary-halt', () => {
  it('halts the in-flight deployment in the local registry from a config file', async () => {
    const config = join(dir, 'drillbook.json');
    await writeFile(
      config,
      JSON.stringify({
        systems: [{ name: 'shop', database: { sourceUrl: 'postgres://localhost/shop' } }],
        canary: {
          environment: 'staging',
          groups: [
            {
              application: 'checkout',
              deploymentGroup: 'checkout-live',
              alarms: { prefixes: ['checkout-canary-'] },
            },
          ],
        },
      }),
    );
    const code = await canaryHaltCommand.run([...base(), '--config', config, '--json'], ctx());
    expect(code).toBe(0);
    const report = JSON.parse(out.join('\n'));
    expect(report).toMatchObject({ kind: 'canary-halt', outcome: 'passed', environment: 'staging' });
    const registry = await new LocalDeployments(join(dir, 'registry.json')).read();
    const canary = registry.deployments.find((d) => d.deploymentId === 'd-CANARY0001');
    expect(canary?.status).toBe('Stopped');
    expect(canary?.stopRequests).toHaveLength(1);
    expect(registry.deployments.find((d) => d.rollbackOf === 'd-CANARY0001')?.creator).toBe(
      'codeDeployRollback',
    );
    expect(err.join('\n')).toMatch(/halted d-CANARY0001 with rollback/); // chat on stderr with --json
  });

  it('posts to the configured chat webhook, honours chat.stdout false, and reports the config system', async () => {
    const server = await startWebhookServer(() => ({ status: 200 }));
    try {
      const config = join(dir, 'drillbook.json');
      const group = { application: 'checkout', deploymentGroup: 'checkout-live' };
      await writeFile(
        config,
        JSON.stringify({
          systems: [{ name: 'shop', database: { sourceUrl: 'postgres://localhost/shop' } }],
          chat: { webhookUrl: server.url, stdout: false },
          canary: { groups: [{ ...group, alarms: { prefixes: ['checkout-canary-'] } }] },
        }),
      );
      expect(await canaryHaltCommand.run([...base(), '--config', config, '--json'], ctx())).toBe(0);
      expect(JSON.parse(out.join('\n')).system).toBe('shop'); // the config's only system
      expect(server.received).toHaveLength(1);
      expect(server.received[0]!.body).toMatch(/halted d-CANARY0001 with rollback/);
      expect(err.join('\n')).not.toMatch(/halted d-CANARY0001/); // chat.stdout: false

      // Flags rebuild the group; the config's `system` for that group still names the report.
      await writeFile(
        config,
        JSON.stringify({
          systems: [{ name: 'shop', database: { sourceUrl: 'postgres://localhost/shop' } }],
          canary: { groups: [{ ...group, system: 'storefront', alarms: { names: ['other'] } }] },
        }),
      );
      out = [];
      const flags = ['--application', 'checkout', '--deployment-group', 'checkout-live', '--json'];
      expect(await canaryHaltCommand.run([...base(), '--config', config, ...flags], ctx())).toBe(0);
      expect(JSON.parse(out.join('\n')).system).toBe('storefront');
    } finally {
      await server.close();
    }
  });

  it('takes the guarded group from flags, and a rerun of the same event stops nothing more', async () => {
    const flags = [...base(), '--application', 'checkout', '--deployment-group', 'checkout-live'];
    expect(await canaryHaltCommand.run(flags, ctx())).toBe(0);
    expect(await canaryHaltCommand.run([...flags, '--json'], ctx())).toBe(0);
    const second = JSON.parse(out.at(-1)!);
    expect(second.checks.find((c: { name: string }) => c.name === 'redelivery')?.outcome).toBe('skipped');
    const registry = await new LocalDeployments(join(dir, 'registry.json')).read();
    expect(registry.deployments.find((d) => d.deploymentId === 'd-CANARY0001')?.stopRequests).toHaveLength(1);
  });

  it('refuses an ALARM event older than --max-event-age (default one hour), naming its age', async () => {
    const flags = [...base(), '--application', 'checkout', '--deployment-group', 'checkout-live'];
    const late = { ...ctx(), now: () => new Date(alarmAt.getTime() + 62_809 * 3_600_000) };
    await expect(canaryHaltCommand.run(flags, late)).rejects.toThrow(
      /--event: the alarm changed state 62809h 0m ago \(2026-11-23T06:30:04.975Z\), more than --max-event-age 1h 0m/,
    );
    const stops = async () =>
      (await new LocalDeployments(join(dir, 'registry.json')).read()).deployments.flatMap(
        (d) => d.stopRequests ?? [],
      );
    expect(await stops()).toHaveLength(0);
    const twoHours = { ...ctx(), now: () => new Date(alarmAt.getTime() + 2 * 3_600_000) };
    await expect(canaryHaltCommand.run(flags, twoHours)).rejects.toThrow(/2h 0m ago/);
    expect(await stops()).toHaveLength(0);
    expect(await canaryHaltCommand.run([...flags, '--max-event-age', '10800'], twoHours)).toBe(0);
    expect(await stops()).toHaveLength(1);
  });

  it('records an OK event without touching the registry', async () => {
    const before = readFileSync(join(dir, 'registry.json'), 'utf8');
    const args = [...base(), '--application', 'checkout', '--deployment-group', 'checkout-live'];
    args[1] = fixturePath('alarm-state-ok.json');
    expect(await canaryHaltCommand.run(args, ctx())).toBe(0);
    expect(out.join('\n')).toMatch(/OK is recorded, not acted on/);
    expect(readFileSync(join(dir, 'registry.json'), 'utf8')).toBe(before);
  });

  it('exits 2 naming the field for a bad event, a missing registry or a half-given override', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ version: '0', source: 'aws.cloudwatch' }));
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(
        await main([
          'canary-halt',
          '--event',
          bad,
          '--registry',
          join(dir, 'registry.json'),
          '--application',
          'a',
          '--deployment-group',
          'g',
        ]),
      ).toBe(2);
      expect(
        await main([
          'canary-halt',
          '--event',
          fixturePath('alarm-state-alarm.json'),
          '--application',
          'a',
          '--deployment-group',
          'g',
        ]),
      ).toBe(2);
      expect(
        await main(['canary-halt', '--event', fixturePath('alarm-state-alarm.json'), '--application', 'a']),
      ).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr.join('')).toMatch(/event\.id: /);
    expect(stderr.join('')).toMatch(/--registry: is required/);
    expect(stderr.join('')).toMatch(/--deployment-group: is required with the other/);
  });
});
