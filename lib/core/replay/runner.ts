import { describeError } from '../errors.js';
import { digestEntries } from './digest.js';
import type { AnyProjection, EventMeta } from './projection.js';

/** One message of the window as the reader hands it over. */
export interface RawEvent {
  seq: number;
  subject: string;
  msgId: string | undefined;
  data: Uint8Array;
}

export type ViolationKind = 'not-json' | 'no-type' | 'unknown-type' | 'schema' | 'apply';

export interface Violation {
  seq: number;
  kind: ViolationKind;
  type?: string;
  detail: string;
}

/** At most this many violations are listed (all are counted). */
export const maxListedViolations = 100;

const decoder = new TextDecoder();

/**
 * Folds a window's events through a projection: decode, validate with the event type's zod
 * schema, apply. Invalid events are counted and the first `maxListedViolations` listed by
 * sequence; they never stop the fold.
 */
export class ProjectionFold<S = unknown> {
  state: S;
  events = 0;
  applied = 0;
  violationCount = 0;
  readonly violations: Violation[] = [];

  constructor(readonly projection: AnyProjection) {
    this.state = projection.initial() as S;
  }

  push(event: RawEvent): void {
    this.events++;
    let body: unknown;
    try {
      body = JSON.parse(decoder.decode(event.data));
    } catch {
      this.violate({ seq: event.seq, kind: 'not-json', detail: 'payload is not JSON' });
      return;
    }
    const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
    if (typeof type !== 'string') {
      this.violate({ seq: event.seq, kind: 'no-type', detail: 'no string "type" field' });
      return;
    }
    const schema = Object.hasOwn(this.projection.events, type) ? this.projection.events[type] : undefined;
    if (!schema) {
      this.violate({
        seq: event.seq,
        kind: 'unknown-type',
        type,
        detail: `unknown event type "${type}"`,
      });
      return;
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.map(String).join('.') : '(event)';
      this.violate({
        seq: event.seq,
        kind: 'schema',
        type,
        detail: `${where}: ${issue?.message ?? 'invalid'}`,
      });
      return;
    }
    const meta: EventMeta = { seq: event.seq, subject: event.subject, msgId: event.msgId };
    try {
      const next = this.projection.apply(this.state, parsed.data, meta);
      if (next !== undefined) this.state = next as S;
      this.applied++;
    } catch (error) {
      this.violate({ seq: event.seq, kind: 'apply', type, detail: describeError(error) });
    }
  }

  private violate(v: Violation): void {
    this.violationCount++;
    if (this.violations.length < maxListedViolations) this.violations.push(v);
  }
}

/** What a finished fold reports. */
export interface FoldOutcome {
  digest: string;
  entries: number;
  events: number;
  applied: number;
  violationCount: number;
  violations: Violation[];
}

/** Digests a fold's state with its projection's canonical form. */
export function finishFold(fold: ProjectionFold): FoldOutcome {
  const { digest, entries } = digestEntries(fold.projection.canonical(fold.state));
  return {
    digest,
    entries,
    events: fold.events,
    applied: fold.applied,
    violationCount: fold.violationCount,
    violations: [...fold.violations],
  };
}
