import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAlarmEvent } from '../../lib/core/canary/alarmEvent.js';
import { alarmStateChangeEvent, runLocalCanaryHaltDemo } from '../../lib/demo/canaryDemo.js';
import { ConsoleChat } from '../../lib/local/consoleChat.js';
import { FolderRunbookStore } from '../../lib/local/folderRunbookStore.js';
import { LocalDeployments } from '../../lib/local/localDeployments.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('runLocalCanaryHaltDemo', () => {
  it('halts the demo canary on the local registry and stores a report', async () => {
    dir = await mkdtemp(join(tmpdir(), 'drillbook-canary-demo-'));
    const chat: string[] = [];
    const runbook = new FolderRunbookStore(join(dir, 'runbook'));
    const demo = await runLocalCanaryHaltDemo({
      workDir: join(dir, 'work'),
      runbook,
      chat: new ConsoleChat((t) => chat.push(t)),
    });
    expect(demo.result.stopped).toEqual([demo.deploymentId]);
    expect(demo.result.report?.outcome).toBe('passed');
    const registry = await new LocalDeployments(demo.registryFile).read();
    expect(registry.deployments.find((d) => d.deploymentId === demo.deploymentId)?.status).toBe('Stopped');
    expect(await runbook.listReports({ kind: 'canary-halt' })).toHaveLength(1);
    expect(chat.join('\n')).toMatch(/halted d-CANARY0001 with rollback/);
    // The saved event is real-shaped: `drillbook canary-halt --event` accepts it.
    expect(parseAlarmEvent(JSON.parse(await readFile(demo.eventFile, 'utf8'))).state).toBe('ALARM');
  });
});

describe('alarmStateChangeEvent', () => {
  it('builds events that validate, with CloudWatch-style timestamps', () => {
    const at = new Date('2026-11-23T06:30:04.975Z');
    const event = alarmStateChangeEvent({ alarmName: 'a', state: 'INSUFFICIENT_DATA', at });
    expect(event.detail.state.timestamp).toBe('2026-11-23T06:30:04.975+0000');
    expect(event.time).toBe('2026-11-23T06:30:04Z');
    expect(parseAlarmEvent(event)).toMatchObject({ state: 'INSUFFICIENT_DATA', previousState: 'ALARM' });
  });
});
