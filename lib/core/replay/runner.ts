import { describeError } from '../errors.js';
import { fieldProblem } from '../zodFieldError.js';
import { type CanonicalEntry, digestEntries } from './digest.js';
import { ProjectionError } from './errors.js';
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

/**
 * The four kinds of events left out of a fold, as the report counts them: the first three are
 * schema violations (the log holds something no consumer can read); "rejected" events are valid
 * but the projection refused them in its current state (e.g. a rename of an unknown contact).
 */
export const rejectionKinds = ['notJson', 'unknownType', 'schemaInvalid', 'rejected'] as const;
export type RejectionKind = (typeof rejectionKinds)[number];

/** An exact count and the first `maxListedViolations` sequences of one kind. */
export interface RejectionTally {
  count: number;
  seqs: number[];
}
export type Rejections = Record<RejectionKind, RejectionTally>;

const kindOf: Record<ViolationKind, RejectionKind> = {
  'not-json': 'notJson',
  'no-type': 'unknownType',
  'unknown-type': 'unknownType',
  schema: 'schemaInvalid',
  apply: 'rejected',
};

/** At most this many violations of each kind are listed (all are counted). */
export const maxListedViolations = 100;

export function emptyRejections(): Rejections {
  return {
    notJson: { count: 0, seqs: [] },
    unknownType: { count: 0, seqs: [] },
    schemaInvalid: { count: 0, seqs: [] },
    rejected: { count: 0, seqs: [] },
  };
}

/** Schema violations: everything but the events the projection rejected. */
export function schemaViolationCount(r: Rejections): number {
  return r.notJson.count + r.unknownType.count + r.schemaInvalid.count;
}

const decoder = new TextDecoder();

/**
 * Folds a window's events through a projection: decode, validate with the event type's zod
 * schema, apply. Invalid events are counted per kind and the first `maxListedViolations` of each
 * kind listed by sequence; they never stop the fold. With `base` entries (a snapshot, or a table's
 * rows at its checkpoint) the fold starts from that state (the projection's `fromEntries`) instead
 * of `initial()`.
 */
export class ProjectionFold<S = unknown> {
  state: S;
  events = 0;
  applied = 0;
  violationCount = 0;
  readonly violations: Violation[] = [];
  readonly rejections: Rejections = emptyRejections();

  constructor(
    readonly projection: AnyProjection,
    base?: Iterable<CanonicalEntry> | null,
  ) {
    if (base) {
      if (!projection.fromEntries) {
        throw new ProjectionError(
          `projection "${projection.name}" cannot start from a base state (it has no fromEntries)`,
        );
      }
      this.state = projection.fromEntries(base) as S;
    } else this.state = projection.initial() as S;
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
      const { field, reason } = fieldProblem(parsed.error, { root: '(event)' });
      this.violate({ seq: event.seq, kind: 'schema', type, detail: `${field}: ${reason}` });
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
    const tally = this.rejections[kindOf[v.kind]];
    tally.count++;
    // Bounded per kind, so a flood of one kind never hides the few of another.
    if (tally.seqs.length < maxListedViolations) {
      tally.seqs.push(v.seq);
      this.violations.push(v);
    }
  }
}

/** What a finished fold reports. */
export interface FoldOutcome {
  digest: string;
  entries: number;
  events: number;
  applied: number;
  violationCount: number;
  /** Up to `maxListedViolations` of each kind, in sequence order. */
  violations: Violation[];
  rejections: Rejections;
  /** The state's canonical entries, when asked for (to store as a snapshot). */
  state?: CanonicalEntry[];
}

/** Digests a fold's state with its projection's canonical form (and keeps the entries with `keepState`). */
export function finishFold(fold: ProjectionFold, keepState = false): FoldOutcome {
  const canonical = fold.projection.canonical(fold.state);
  const kept = keepState ? [...canonical] : null;
  const { digest, entries } = digestEntries(kept ?? canonical);
  return {
    digest,
    entries,
    events: fold.events,
    applied: fold.applied,
    violationCount: fold.violationCount,
    violations: [...fold.violations],
    rejections: structuredClone(fold.rejections),
    ...(kept ? { state: kept } : {}),
  };
}
