import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { digestEntries } from '../core/replay/digest.js';
import type { NatsAuth } from '../nats/auth.js';
import { connectNats } from '../nats/connection.js';
import { quoteQualified } from '../pg/identifiers.js';
import {
  applyContactEvent,
  type ContactEvent,
  type ContactsState,
  contactsProjection,
  contactsTable,
  contactsTableDdl,
  checkpointTable as defaultCheckpointTable,
} from './contacts.js';

const circles = ['family', 'friends', 'work', 'climbing', 'book-club', 'neighbours', 'choir'];
const names = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken', 'Radia', 'Donald', 'Frances', 'Leslie'];

/** A small deterministic PRNG (mulberry32), so the demo data is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` valid demo events: the first `contacts` create contacts, the rest rename them, change
 * emails and move them between circles. The number of contacts (the state) stays fixed however
 * many events there are. Event ids are `evt-<n>`, used as Nats-Msg-Id.
 */
export function* contactsDemoEvents(
  count: number,
  options: { contacts?: number; seed?: number; start?: Date } = {},
): Generator<ContactEvent> {
  const contacts = Math.max(1, Math.min(options.contacts ?? 100, count));
  const random = prng(options.seed ?? 42);
  const start = (options.start ?? new Date('2026-01-01T00:00:00.000Z')).getTime();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  for (let n = 1; n <= count; n++) {
    const id = `evt-${n}`;
    if (n <= contacts) {
      const name = `${pick(names)} ${n}`;
      yield {
        type: 'ContactCreated',
        id,
        contactId: `c-${n}`,
        name,
        email: `contact${n}@example.com`,
        createdAt: new Date(start + n * 1000).toISOString(),
      };
      continue;
    }
    const contactId = `c-${1 + Math.floor(random() * contacts)}`;
    const r = random();
    if (r < 0.25) yield { type: 'ContactRenamed', id, contactId, name: `${pick(names)} ${n}` };
    else if (r < 0.4) yield { type: 'ContactEmailChanged', id, contactId, email: `contact${n}@example.org` };
    else if (r < 0.75) yield { type: 'ContactJoinedCircle', id, contactId, circle: pick(circles) };
    else yield { type: 'ContactLeftCircle', id, contactId, circle: pick(circles) };
  }
}

/** The state the first `count` demo events fold to (the same events whatever the total). */
export function contactsStateAt(
  count: number,
  options: { contacts?: number; seed?: number; start?: Date } = {},
): ContactsState {
  const state: ContactsState = new Map();
  for (const event of contactsDemoEvents(count, options)) applyContactEvent(state, event);
  return state;
}

/** Creates the stream (subjects `<prefix>.>`) when it does not exist. */
export async function ensureStream(
  natsUrl: string,
  stream: string,
  subjectPrefix: string,
  auth?: NatsAuth,
): Promise<void> {
  const nc = await connectNats(natsUrl, { timeoutMs: 10_000, auth });
  try {
    const jsm = await jetstreamManager(nc);
    const existing = await jsm.streams.info(stream).catch(() => null);
    if (!existing) await jsm.streams.add({ name: stream, subjects: [`${subjectPrefix}.>`] });
  } finally {
    await nc.close();
  }
}

/** Publishes events on `<prefix>.<type>` with Nats-Msg-Id = event id, `inFlight` at a time. Returns the last sequence. */
export async function publishEvents(
  natsUrl: string,
  subjectPrefix: string,
  events: Iterable<{ id: string; type: string }>,
  inFlight = 1000,
  auth?: NatsAuth,
): Promise<{ published: number; lastSeq: number }> {
  const nc = await connectNats(natsUrl, { timeoutMs: 10_000, auth });
  try {
    const js = jetstream(nc);
    let pending: Promise<{ seq: number }>[] = [];
    let published = 0;
    let lastSeq = 0;
    const drain = async () => {
      for (const ack of await Promise.all(pending)) lastSeq = Math.max(lastSeq, ack.seq);
      pending = [];
    };
    for (const event of events) {
      pending.push(
        js.publish(`${subjectPrefix}.${event.type}`, JSON.stringify(event), {
          msgID: event.id,
          timeout: 30_000,
        }),
      );
      published++;
      if (pending.length >= inFlight) await drain();
    }
    await drain();
    return { published, lastSeq };
  } finally {
    await nc.close();
  }
}

export interface ContactsSeedOptions {
  natsUrl: string;
  /** The login, for a server that requires one. */
  natsAuth?: NatsAuth;
  stream?: string;
  subjectPrefix?: string;
  events?: number;
  contacts?: number;
  /** When given, builds the live projection table, its checkpoint and the outbox in this database. */
  pgUrl?: string;
  table?: string;
  checkpointTable?: string;
  outboxTable?: string;
}

export interface ContactsSeedResult {
  stream: string;
  subjectPrefix: string;
  events: number;
  lastSeq: number;
  /** Digest of the projected state (what a rehearsal of 1..lastSeq should find). */
  digest: string;
  table: string;
  checkpointTable: string;
  outboxTable: string;
}

/**
 * Seeds the demo: publishes `events` contact events to `stream` and, with `pgUrl`, writes the live
 * projection table (the state those events fold to), its checkpoint (= the last sequence) and an
 * outbox table with one row per event (id = Nats-Msg-Id). Expects an empty stream.
 */
export async function seedContactsDemo(options: ContactsSeedOptions): Promise<ContactsSeedResult> {
  const stream = options.stream ?? 'CONTACTS';
  const subjectPrefix = options.subjectPrefix ?? 'contacts';
  const count = options.events ?? 1000;
  const gen = { contacts: options.contacts ?? Math.max(1, Math.floor(count / 10)) };
  await ensureStream(options.natsUrl, stream, subjectPrefix, options.natsAuth);
  const { lastSeq } = await publishEvents(
    options.natsUrl,
    subjectPrefix,
    contactsDemoEvents(count, gen),
    1000,
    options.natsAuth,
  );
  const state = contactsStateAt(count, gen);
  const { digest } = digestEntries(contactsProjection.canonical(state));
  const table = options.table ?? contactsTable;
  const checkpointTable = options.checkpointTable ?? defaultCheckpointTable;
  const outboxTable = options.outboxTable ?? 'public.contacts_outbox';
  if (options.pgUrl) {
    await writeLiveTables(options.pgUrl, state, lastSeq, count, gen.contacts, {
      table,
      checkpointTable,
      outboxTable,
      subjectPrefix,
    });
  }
  return { stream, subjectPrefix, events: count, lastSeq, digest, table, checkpointTable, outboxTable };
}

/**
 * Writes a contacts projection table (created when missing, its rows replaced) holding `state`, and its checkpoint
 * row at `lastSeq`, in one transaction: what the product's projector keeps (also used to lay down
 * a projection at an earlier checkpoint, as a restored database would hold it).
 */
export async function writeContactsProjection(
  url: string,
  state: ContactsState,
  lastSeq: number,
  names: { table: string; checkpointTable: string },
): Promise<void> {
  await inTransaction(url, (client) => insertProjection(client, state, lastSeq, names));
}

/** Runs `body` in one transaction on a new connection (rolled back when it throws). */
async function inTransaction(url: string, body: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query('BEGIN');
    await body(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

async function insertProjection(
  client: pg.Client,
  state: ContactsState,
  lastSeq: number,
  names: { table: string; checkpointTable: string },
): Promise<void> {
  const table = quoteQualified(names.table, 'table');
  const checkpoints = quoteQualified(names.checkpointTable, 'checkpointTable');
  await client.query(contactsTableDdl(table, checkpoints));
  await client.query(`DELETE FROM ${table}`);
  const rows = [...state].map(([id, c]) => [
    id,
    c.name,
    c.email,
    JSON.stringify([...c.circles]),
    c.createdAt,
  ]);
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await client.query(
      `INSERT INTO ${table} (contact_id, name, email, circles, created_at)
       SELECT contact_id, name, email, ARRAY(SELECT jsonb_array_elements_text(circles::jsonb)), created_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
           AS t(contact_id, name, email, circles, created_at)`,
      [0, 1, 2, 3, 4].map((k) => chunk.map((r) => r[k])),
    );
  }
  await client.query(
    `INSERT INTO ${checkpoints} (projection, last_seq) VALUES ($1, $2)
     ON CONFLICT (projection) DO UPDATE SET last_seq = EXCLUDED.last_seq`,
    [contactsProjection.name, lastSeq],
  );
}

async function writeLiveTables(
  url: string,
  state: ContactsState,
  lastSeq: number,
  count: number,
  contacts: number,
  names: { table: string; checkpointTable: string; outboxTable: string; subjectPrefix: string },
): Promise<void> {
  const outbox = quoteQualified(names.outboxTable, 'outboxTable');
  await inTransaction(url, async (client) => {
    await insertProjection(client, state, lastSeq, names);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${outbox} (id text PRIMARY KEY, subject text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
    );
    let batch: ContactEvent[] = [];
    let n = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await client.query(
        `INSERT INTO ${outbox} (id, subject, payload, created_at)
         SELECT id, subject, payload, to_timestamp(0) + make_interval(secs => ord)
           FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::int[]) AS t(id, subject, payload, ord)`,
        [
          batch.map((e) => e.id),
          batch.map((e) => `${names.subjectPrefix}.${e.type}`),
          batch.map((e) => JSON.stringify(e)),
          batch.map(() => ++n),
        ],
      );
      batch = [];
    };
    for (const event of contactsDemoEvents(count, { contacts })) {
      batch.push(event);
      if (batch.length >= 1000) await flush();
    }
    await flush();
  });
}
