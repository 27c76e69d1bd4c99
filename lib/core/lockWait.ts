import type { BlockingSession } from './errors.js';

/**
 * How the backup waits for the manifest's locks. Each attempt waits at most `timeoutMs` (the
 * LOCK statement's lock_timeout and statement_timeout): while a lock request waits, every writer
 * that arrives after it queues behind it, so a long wait on one long-running writer would stall
 * all the others. Short attempts, with backoff between them, bound that stall.
 */
export interface LockPolicy {
  timeoutMs: number;
  attempts: number;
  /** Pause after the first failed attempt; doubles each time up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const defaultLockPolicy: LockPolicy = {
  timeoutMs: 200,
  attempts: 15,
  backoffMs: 250,
  maxBackoffMs: 10_000,
};

/** The pause after failed attempt `attempt` (1-based): exponential, capped, with jitter in its upper half. */
export function lockBackoffMs(
  attempt: number,
  policy: LockPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** One line per blocking session, for the operator: who held the lock, since when, doing what. */
export function describeBlockers(blockers: readonly BlockingSession[]): string {
  if (blockers.length === 0) return 'no blocking session was seen';
  return blockers
    .map((b) => {
      const facts = [
        b.database ? `database ${b.database}` : null,
        b.backendType && b.backendType !== 'client backend' ? b.backendType : null,
        b.applicationName ? `application "${b.applicationName}"` : null,
        b.state ? `state "${b.state}"` : null,
        b.xactStart ? `transaction open since ${b.xactStart}` : null,
        b.query ? `query "${b.query}"` : null,
      ].filter((f) => f !== null);
      return `pid ${b.pid} (${facts.join(', ')})`;
    })
    .join('; ');
}

/**
 * An autovacuum worker that is in the way and that Postgres itself would cancel for a lock waiter
 * (after deadlock_timeout): not one that prevents wraparound.
 */
export function isCancellableAutovacuum(b: BlockingSession): boolean {
  return b.backendType === 'autovacuum worker' && !b.query.includes('to prevent wraparound');
}

export function lockWaitMessage(policy: LockPolicy, blockers: readonly BlockingSession[]): string {
  return `could not lock the manifest's tables in ${policy.attempts} attempts of ${policy.timeoutMs} ms: blocked by ${describeBlockers(blockers)}`;
}
