import { z } from 'zod';
import { compareKeys } from '../core/replay/canonical.js';
import type { CanonicalEntry } from '../core/replay/digest.js';
import { ProjectionError } from '../core/replay/errors.js';
import type { Projection } from '../core/replay/projection.js';
import { fieldProblem } from '../core/zodFieldError.js';

/**
 * The demo projection: contacts and the circles they belong to. Events are published on
 * `contacts.<type>` with Nats-Msg-Id = the event's `id`.
 */
const base = { id: z.string().min(1), contactId: z.string().min(1) };

export const contactEvents = {
  ContactCreated: z.object({
    ...base,
    type: z.literal('ContactCreated'),
    name: z.string().min(1),
    email: z.email(),
    createdAt: z.iso.datetime(),
  }),
  ContactRenamed: z.object({ ...base, type: z.literal('ContactRenamed'), name: z.string().min(1) }),
  ContactEmailChanged: z.object({ ...base, type: z.literal('ContactEmailChanged'), email: z.email() }),
  ContactJoinedCircle: z.object({
    ...base,
    type: z.literal('ContactJoinedCircle'),
    circle: z.string().min(1),
  }),
  ContactLeftCircle: z.object({ ...base, type: z.literal('ContactLeftCircle'), circle: z.string().min(1) }),
  ContactDeleted: z.object({ ...base, type: z.literal('ContactDeleted') }),
} as const;

export type ContactEvent = z.infer<(typeof contactEvents)[keyof typeof contactEvents]>;

export interface Contact {
  name: string;
  email: string;
  circles: Set<string>;
  createdAt: Date;
}

export type ContactsState = Map<string, Contact>;

function contactOf(state: ContactsState, id: string, type: string): Contact {
  const contact = state.get(id);
  if (!contact) throw new ProjectionError(`${type} for unknown contact ${id}`);
  return contact;
}

export function applyContactEvent(state: ContactsState, event: ContactEvent): void {
  switch (event.type) {
    case 'ContactCreated':
      if (state.has(event.contactId)) throw new ProjectionError(`contact ${event.contactId} already exists`);
      state.set(event.contactId, {
        name: event.name,
        email: event.email,
        circles: new Set(),
        createdAt: new Date(event.createdAt),
      });
      return;
    case 'ContactRenamed':
      contactOf(state, event.contactId, event.type).name = event.name;
      return;
    case 'ContactEmailChanged':
      contactOf(state, event.contactId, event.type).email = event.email;
      return;
    case 'ContactJoinedCircle':
      contactOf(state, event.contactId, event.type).circles.add(event.circle);
      return;
    case 'ContactLeftCircle':
      contactOf(state, event.contactId, event.type).circles.delete(event.circle);
      return;
    case 'ContactDeleted':
      contactOf(state, event.contactId, event.type);
      state.delete(event.contactId);
      return;
  }
}

/** The canonical entry of one contact; the live table's rows map to exactly the same. */
export function contactEntry(
  id: string,
  c: { name: string; email: string; circles: Iterable<string>; createdAt: Date },
): CanonicalEntry {
  return [
    `contact:${id}`,
    { name: c.name, email: c.email, circles: [...c.circles].sort(compareKeys), createdAt: c.createdAt },
  ];
}

const storedContact = z.object({
  name: z.string(),
  email: z.string(),
  circles: z.array(z.string()),
  createdAt: z.union([z.date(), z.iso.datetime({ offset: true })]),
});

/** The inverse of contactEntry; the value may be as yielded or its JSON round trip. */
export function contactFromEntry(key: string, value: unknown): { id: string; contact: Contact } {
  if (!key.startsWith('contact:'))
    throw new ProjectionError(`unexpected entry key "${key}" (expected contact:<id>)`);
  const parsed = storedContact.safeParse(value);
  if (!parsed.success) {
    const { field, reason } = fieldProblem(parsed.error, { root: '(value)', input: value });
    throw new ProjectionError(`entry "${key}" is not a contact: ${field}: ${reason}`);
  }
  const { name, email, circles, createdAt } = parsed.data;
  return {
    id: key.slice('contact:'.length),
    contact: { name, email, circles: new Set(circles), createdAt: new Date(createdAt) },
  };
}

/** Default names of the live read model in Postgres (see contactsTableDdl). */
export const contactsTable = 'public.contacts_projection';
export const checkpointTable = 'public.projection_checkpoints';

export const contactsProjection: Projection<ContactsState, ContactEvent> = {
  name: 'contacts',
  description: 'contacts with name, email, creation time and the circles they belong to',
  events: contactEvents,
  initial: () => new Map(),
  apply(state, event) {
    applyContactEvent(state, event);
    return state;
  },
  *canonical(state) {
    for (const [id, contact] of state) yield contactEntry(id, contact);
  },
  fromEntries(entries) {
    const state: ContactsState = new Map();
    for (const [key, value] of entries) {
      const { id, contact } = contactFromEntry(key, value);
      state.set(id, contact);
    }
    return state;
  },
  live: {
    table: contactsTable,
    columns: ['contact_id', 'name', 'email', 'circles', 'created_at'],
    checkpointTable,
    rowToEntry(row) {
      return contactEntry(String(row['contact_id']), {
        name: String(row['name']),
        email: String(row['email']),
        circles: (row['circles'] as string[] | null) ?? [],
        createdAt: row['created_at'] as Date,
      });
    },
  },
};

/** DDL of the live projection table and the checkpoint table (what the product's projector keeps). */
export function contactsTableDdl(table = contactsTable, checkpoints = checkpointTable): string {
  return `
CREATE TABLE IF NOT EXISTS ${table} (
  contact_id text PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  circles text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS ${checkpoints} (
  projection text PRIMARY KEY,
  last_seq bigint NOT NULL
);`;
}
