import { describe, expect, it } from 'vitest';
import {
  defaultLockPolicy,
  describeBlockers,
  isCancellableAutovacuum,
  lockBackoffMs,
  lockWaitMessage,
} from '../../lib/core/lockWait.js';

describe('manifest lock waits', () => {
  it('backs off exponentially up to the cap, jittered within the upper half', () => {
    const policy = { ...defaultLockPolicy, backoffMs: 100, maxBackoffMs: 1000 };
    expect([1, 2, 3, 4, 5, 9].map((n) => lockBackoffMs(n, policy, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(lockBackoffMs(3, policy, () => 0)).toBe(200);
  });

  it('names every blocking session with what the operator needs to find it', () => {
    const text = lockWaitMessage({ ...defaultLockPolicy, attempts: 3, timeoutMs: 50 }, [
      {
        pid: 4242,
        database: 'billing',
        backendType: 'client backend',
        applicationName: 'nightly-import',
        state: 'idle in transaction',
        xactStart: '2026-12-01T10:00:00.000Z',
        query: 'UPDATE invoices SET paid = true',
      },
    ]);
    expect(text).toBe(
      'could not lock the manifest\'s tables in 3 attempts of 50 ms: blocked by pid 4242 (database billing, application "nightly-import", state "idle in transaction", transaction open since 2026-12-01T10:00:00.000Z, query "UPDATE invoices SET paid = true")',
    );
    expect(describeBlockers([])).toBe('no blocking session was seen');
  });

  it('cancels only an autovacuum worker that Postgres itself would cancel for a lock waiter', () => {
    const worker = {
      pid: 1,
      database: 'shop',
      backendType: 'autovacuum worker',
      applicationName: '',
      state: 'active',
      xactStart: null,
      query: 'autovacuum: VACUUM ANALYZE public.pgbench_history',
    };
    expect(isCancellableAutovacuum(worker)).toBe(true);
    expect(
      isCancellableAutovacuum({ ...worker, query: 'autovacuum: VACUUM public.t (to prevent wraparound)' }),
    ).toBe(false);
    expect(isCancellableAutovacuum({ ...worker, backendType: 'client backend', query: 'VACUUM t' })).toBe(
      false,
    );
    expect(describeBlockers([worker])).toBe(
      'pid 1 (database shop, autovacuum worker, state "active", query "autovacuum: VACUUM ANALYZE public.pgbench_history")',
    );
  });
});
