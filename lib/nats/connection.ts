import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { describeError } from '../core/errors.js';
import { ReplayReadError } from '../core/replay/errors.js';
import { sleep } from '../core/wait.js';
import { authenticatorFor, type NatsAuth, type NatsTls } from './auth.js';

/** A NATS URL with any user/password/token removed, for messages and reports. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

export interface ConnectOptions {
  /** Give up connecting after this long (all attempts together). */
  timeoutMs?: number;
  signal?: AbortSignal;
  name?: string;
  /** The login (from a secret, resolved at run time). */
  auth?: NatsAuth | undefined;
  tls?: NatsTls | undefined;
}

/**
 * Connects to NATS, retrying with backoff until `timeoutMs` passes. Client-side reconnects are
 * off: a broken connection closes, and the caller decides whether and where to resume (the window
 * reader resumes from the last sequence it read).
 */
export async function connectNats(servers: string, options: ConnectOptions = {}): Promise<NatsConnection> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let wait = 200;
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect({
        servers,
        name: options.name ?? 'drillbook',
        reconnect: false,
        timeout: Math.max(500, Math.min(5000, deadline - Date.now())),
        ...(options.auth ? { authenticator: authenticatorFor(options.auth) } : {}),
        ...(options.tls ? { tls: options.tls.caFile ? { caFile: options.tls.caFile } : {} } : {}),
      });
    } catch (error) {
      lastError = error;
    }
    // Give up only once the deadline has passed: the last attempt is made at the deadline.
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new ReplayReadError(
        `NATS at ${redactUrl(servers)} unreachable for ${Math.round(timeoutMs / 1000)}s (${attempt} attempt(s)): ${describeError(lastError)}`,
        { cause: lastError },
      );
    }
    await sleep(Math.min(wait, left), options.signal);
    wait = Math.min(wait * 2, 2000);
  }
}
