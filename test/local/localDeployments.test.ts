import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../lib/core/errors.js';
import { createLocalRegistry } from '../../lib/demo/canaryDemo.js';
import { LocalDeployments, UnknownDeploymentError } from '../../lib/local/localDeployments.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drillbook-registry-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const now = new Date('2026-11-23T06:30:00.000Z');

describe('LocalDeployments', () => {
  it('lists the group’s deployments since a time and stops an in-flight one exactly once', async () => {
    const registry = await createLocalRegistry(join(dir, 'r.json'), {
      application: 'checkout',
      deploymentGroup: 'checkout-live',
      now,
    });
    const recent = await registry.recentDeployments(
      'checkout',
      'checkout-live',
      new Date(now.getTime() - 60 * 60_000),
    );
    expect(recent.map((d) => [d.deploymentId, d.status])).toEqual([['d-CANARY0001', 'InProgress']]);
    expect(await registry.recentDeployments('checkout', 'other', new Date(0))).toEqual([]);
    expect((await registry.stopDeployment('d-CANARY0001')).status).toBe('Succeeded');
    expect((await registry.stopDeployment('d-CANARY0001')).status).toBe('AlreadyCompleted');
    const after = await registry.getDeployment('d-CANARY0001');
    expect(after.status).toBe('Stopped');
    expect(
      (await registry.read()).deployments.find((d) => d.deploymentId === 'd-CANARY0001')?.stopRequests,
    ).toHaveLength(1);
  });

  it('records one answer per hook execution, and returns versions and SLIs within a window', async () => {
    const registry = await createLocalRegistry(join(dir, 'r.json'), {
      application: 'checkout',
      deploymentGroup: 'checkout-live',
      now,
    });
    await registry.putHookStatus('d-CANARY0001', 'hook-1', 'Failed');
    await registry.putHookStatus('d-CANARY0001', 'hook-1', 'Succeeded');
    const d = (await registry.read()).deployments.find((x) => x.deploymentId === 'd-CANARY0001');
    expect(d?.hookStatuses.map((h) => h.status)).toEqual(['Failed']);
    expect(await registry.versions('d-CANARY0001')).toMatchObject({
      currentVersion: '6',
      targetVersion: '7',
    });
    const state = await registry.read();
    state.metrics['7'] = {
      requests: [
        { at: '2026-11-23T06:00:00.000Z', value: 5 },
        { at: '2026-11-23T07:00:00.000Z', value: 9 },
      ],
      errors: [],
      p95Ms: [],
    };
    await registry.write(state);
    const window = { start: new Date('2026-11-23T05:30:00Z'), end: new Date('2026-11-23T06:30:00Z') };
    const series = await registry.fetch({} as never, '7', window);
    expect(series.requests).toEqual([{ at: '2026-11-23T06:00:00.000Z', value: 5 }]);
    await expect(registry.getDeployment('d-NOPE')).rejects.toThrow(UnknownDeploymentError);
  });

  it('rejects a missing or malformed registry file with an InputError naming the field', async () => {
    await expect(new LocalDeployments(join(dir, 'none.json')).read()).rejects.toThrow(
      /^--registry: file not found/,
    );
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ deployments: [{ deploymentId: 'd-1', status: 'Running' }] }));
    const error = await new LocalDeployments(file).read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^registry\.deployments\.0\./);
  });
});
