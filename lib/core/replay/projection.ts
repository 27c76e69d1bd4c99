import type { z } from 'zod';
import type { CanonicalEntry } from './digest.js';

/** Where an event sits in the stream, passed to `apply` (never use the wall clock instead). */
export interface EventMeta {
  seq: number;
  subject: string;
  msgId: string | undefined;
}

/**
 * A projection plugin: how the product folds its events into a read model, so a rehearsal can
 * rebuild that read model from the log and compare it with the live one.
 *
 * Contract:
 * - Events are JSON objects with a string `type`; `events[type]` is the zod schema of that type.
 *   An event whose type is not listed, or that fails its schema, is a schema violation: it is
 *   counted and listed by sequence and left out of the fold.
 * - `initial()` returns a fresh, empty state; `apply` folds one valid event into it (mutating it
 *   or returning a new state). `apply` must be deterministic: a function of the state, the event
 *   and its meta only (no clock, randomness or I/O). It may throw for an event that makes no sense
 *   in the current state (e.g. renaming an unknown contact): that is listed like a violation.
 * - `canonical(state)` yields the state as entries with unique keys and plain values (objects,
 *   arrays, strings, finite numbers, booleans, null, Dates): the digest sorts them by key and
 *   hashes their canonical JSON.
 * - `live` (optional) describes the projection's table in Postgres so the rehearsal can digest
 *   the live read model the same way.
 * - `fromEntries` (optional) is the inverse of `canonical`: it rebuilds a state from its canonical
 *   entries, so a rehearsal can start from a base state instead of from sequence 1 (a snapshot
 *   stored by an earlier rehearsal, or the live table's rows at its checkpoint via
 *   `live.rowToEntry`). It must accept the values `canonical` yields and their JSON round trip
 *   (a Date arrives as its ISO string), and `canonical(fromEntries(e))` must equal `e`.
 *   Without it, a projection can only be rehearsed from the stream's first event.
 */
export interface Projection<S = unknown, E extends { type: string } = { type: string }> {
  name: string;
  description: string;
  events: Readonly<Record<string, z.ZodType<E>>>;
  initial(): S;
  apply(state: S, event: E, meta: EventMeta): S | undefined;
  canonical(state: S): Iterable<CanonicalEntry>;
  fromEntries?(entries: Iterable<CanonicalEntry>): S;
  live?: LiveProjectionTable;
}

/** How a projection's live read model is stored in Postgres. */
export interface LiveProjectionTable {
  /** Default table name ("schema.table" allowed). */
  table: string;
  /** The columns to select, in order. */
  columns: readonly string[];
  /** One table row (pg's parsed values) to the canonical entry the projection yields for it. */
  rowToEntry(row: Record<string, unknown>): CanonicalEntry;
  /** Default checkpoint table: (projection text primary key, last_seq bigint). */
  checkpointTable: string;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds projections of any state/event type
export type AnyProjection = Projection<any, any>;
