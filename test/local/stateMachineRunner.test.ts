import { describe, expect, it } from 'vitest';
import { dailyBackupId } from '../../lib/aws/backup/backupShared.js';
import { type LocalHandler, runStateMachine } from '../../lib/local/stateMachineRunner.js';

describe('runStateMachine (the ASL run locally)', () => {
  it("hands the injected start time to the steps as $$.Execution.StartTime, so two runs share a day's backup id", async () => {
    const seen: unknown[] = [];
    const refuse: LocalHandler = async (event) => {
      seen.push((event as { startTime?: unknown }).startTime);
      throw new Error('stop here');
    };
    const handlers = new Proxy({} as Record<string, LocalHandler>, {
      get: (_, name) =>
        name === 'backupStart' ? refuse : async () => ({ reportId: 'r', outcome: 'failed', location: 'x' }),
    });
    // Just before and just after midnight UTC: a real clock between two runs would change the day.
    const late = new Date('2026-11-30T23:59:59.900Z');
    for (const startTime of [late, late]) {
      await runStateMachine('backup', {}, { handlers, startTime, retryMs: 0 }).catch(() => {});
    }
    expect(seen).toEqual([late.toISOString(), late.toISOString()]);
    expect(dailyBackupId('shop', new Date(seen[1] as string))).toBe('drillbook-shop-20261130');
    expect(dailyBackupId('shop', new Date(late.getTime() + 200))).toBe('drillbook-shop-20261201');
  });
});
