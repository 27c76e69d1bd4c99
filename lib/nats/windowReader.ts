import { DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { describeError, InterruptedError } from '../core/errors.js';
import { ReplayReadError, StreamNotFoundError } from '../core/replay/errors.js';
import type { EventStreamReader, EventStreamState, StreamEvent, WindowReadStats } from '../ports.js';
import type { NatsAuth, NatsTls } from './auth.js';
import { connectNats, redactUrl } from './connection.js';

export interface WindowReaderOptions {
  /** Resumes allowed per window after a broken connection. */
  maxResumes?: number;
  /** How long to keep trying to (re)connect before giving up. */
  connectTimeoutMs?: number;
  /** A window read that receives nothing for this long is treated as a broken read (and resumed). */
  idleTimeoutMs?: number;
  /** Messages per pull request of the ordered consumer. */
  batch?: number;
  /** Login and TLS (from config and secrets, resolved at run time). */
  auth?: NatsAuth | undefined;
  tls?: NatsTls | undefined;
  /** Called when a read resumes (for progress output). */
  onResume?: (fromSeq: number, reason: string) => void;
}

/**
 * Reads JetStream windows read-only with ordered consumers: ephemeral, no acks, never a durable
 * consumer on the product's stream. After a broken connection it reconnects (bounded) and starts
 * a new ordered consumer at the sequence after the last one delivered.
 */
export class NatsWindowReader implements EventStreamReader {
  private nc: NatsConnection | null = null;
  private readonly maxResumes: number;
  private readonly connectTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly batch: number;

  constructor(
    private readonly url: string,
    private readonly options: WindowReaderOptions = {},
  ) {
    this.maxResumes = options.maxResumes ?? 5;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
    this.batch = options.batch ?? 2048;
  }

  private async connection(signal?: AbortSignal): Promise<NatsConnection> {
    if (this.nc && !this.nc.isClosed()) return this.nc;
    this.nc = await connectNats(this.url, {
      timeoutMs: this.connectTimeoutMs,
      name: 'drillbook-replay',
      auth: this.options.auth,
      tls: this.options.tls,
      ...(signal ? { signal } : {}),
    });
    return this.nc;
  }

  async state(stream: string): Promise<EventStreamState> {
    const jsm = await jetstreamManager(await this.connection());
    const info = await jsm.streams.info(stream).catch((error: unknown) => {
      throw this.streamError(stream, error);
    });
    return {
      stream,
      firstSeq: info.state.first_seq,
      lastSeq: info.state.last_seq,
      messages: info.state.messages,
      ...(info.config.duplicate_window !== undefined
        ? { duplicateWindowSeconds: info.config.duplicate_window / 1e9 }
        : {}),
    };
  }

  async deletedIn(stream: string, fromSeq: number, toSeq: number): Promise<Set<number>> {
    const jsm = await jetstreamManager(await this.connection());
    const info = await jsm.streams.info(stream, { deleted_details: true }).catch((error: unknown) => {
      throw this.streamError(stream, error);
    });
    return new Set((info.state.deleted ?? []).filter((seq) => seq >= fromSeq && seq <= toSeq));
  }

  async readWindow(
    stream: string,
    window: { fromSeq: number; toSeq: number },
    onEvent: (event: StreamEvent) => void | Promise<void>,
    signal?: AbortSignal,
  ): Promise<WindowReadStats> {
    let next = window.fromSeq;
    let events = 0;
    let resumes = 0;
    while (next <= window.toSeq) {
      if (signal?.aborted) throw new InterruptedError('interrupted');
      try {
        const result = await this.readFrom(
          stream,
          next,
          window.toSeq,
          async (event) => {
            const r = onEvent(event);
            if (r) await r;
            events++;
          },
          signal,
        );
        next = result.next;
      } catch (error) {
        if (error instanceof InterruptedError || signal?.aborted) throw error;
        if (!isResumable(error)) {
          if (error instanceof ReplayReadError && next > window.fromSeq) {
            throw new ReplayReadError(
              `reading ${stream} stopped after sequence ${next - 1} of ${window.toSeq}: ${describeError(error)}`,
              { cause: error },
            );
          }
          throw error;
        }
        next = error.next;
        resumes++;
        const reason = describeError(error.cause);
        if (resumes > this.maxResumes) {
          throw new ReplayReadError(
            `reading ${stream} from ${redactUrl(this.url)} broke off at sequence ${next} of ${window.toSeq} and ${this.maxResumes} resume(s) did not finish it: ${reason}`,
            { cause: error },
          );
        }
        this.options.onResume?.(next, reason);
        await this.dropConnection();
      }
    }
    return { events, resumes };
  }

  /**
   * One ordered consumer from `start`. Returns the next sequence to read and whether the window is
   * complete; a failure mid-way throws ResumeFrom carrying the sequence to resume at.
   */
  private async readFrom(
    stream: string,
    start: number,
    toSeq: number,
    deliver: (event: StreamEvent) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<{ next: number }> {
    let next = start;
    // Not being able to connect at all (after the connect timeout) is final, not resumed again.
    const nc = await this.connection(signal);
    try {
      const js = jetstream(nc);
      const consumer = await js.consumers.get(stream, {
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: start,
      });
      const messages = await consumer.consume({ max_messages: this.batch });
      let idle = false;
      const timer = setTimeout(() => {
        idle = true;
        void messages.close();
      }, this.idleTimeoutMs);
      const onAbort = () => void messages.close();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        for await (const m of messages) {
          timer.refresh();
          const seq = m.seq;
          if (seq > toSeq) return { next: toSeq + 1 };
          await deliver(toEvent(m));
          next = seq + 1;
          if (seq >= toSeq || m.info.pending === 0) return { next: toSeq + 1 };
        }
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        await messages.close().catch(() => {});
        // The ordered consumer would otherwise stay on the stream for its 5-minute inactive
        // threshold. Bounded by the JetStream API timeout; not found (already gone) is fine.
        await consumer.delete().catch(() => {});
      }
      if (signal?.aborted) throw new InterruptedError('interrupted');
      throw new ReplayReadError(
        idle
          ? `no message for ${Math.round(this.idleTimeoutMs / 1000)}s at sequence ${next}`
          : `the connection closed at sequence ${next}`,
      );
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
      throw new ResumeFrom(next, error);
    }
  }

  /** "stream not found" names the stream and the server; other errors pass through. */
  private streamError(stream: string, error: unknown): unknown {
    if (!/stream not found/i.test(describeError(error))) return error;
    return new StreamNotFoundError(`stream "${stream}" not found on ${redactUrl(this.url)}`, {
      cause: error,
    });
  }

  private async dropConnection(): Promise<void> {
    const nc = this.nc;
    this.nc = null;
    if (nc && !nc.isClosed()) await nc.close().catch(() => {});
  }

  async close(): Promise<void> {
    await this.dropConnection();
  }
}

/** A broken read, with the sequence to resume at. */
class ResumeFrom extends ReplayReadError {
  constructor(
    readonly next: number,
    cause: unknown,
  ) {
    super(`read broke off at sequence ${next}: ${describeError(cause)}`, { cause });
  }
}

/** A broken connection or a stalled consumer is resumed; a missing stream or a refusal is not. */
function isResumable(error: unknown): error is ResumeFrom {
  return (
    error instanceof ResumeFrom &&
    !/stream not found|not authorized|permissions violation/i.test(describeError(error.cause))
  );
}

function toEvent(m: JsMsg): StreamEvent {
  return {
    seq: m.seq,
    subject: m.subject,
    msgId: m.headers?.get('Nats-Msg-Id') || undefined,
    data: m.data,
    time: Math.floor(Number(m.info.timestampNanos) / 1e6),
  };
}
