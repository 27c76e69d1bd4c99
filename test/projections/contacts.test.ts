import { describe, expect, it } from 'vitest';
import { digestEntries } from '../../lib/core/replay/digest.js';
import { ProjectionError } from '../../lib/core/replay/errors.js';
import { type ContactsState, contactsProjection } from '../../lib/projections/contacts.js';

function sampleState(): ContactsState {
  const state = contactsProjection.initial();
  contactsProjection.apply(
    state,
    {
      type: 'ContactCreated',
      id: 'e1',
      contactId: 'c1',
      name: 'Ada',
      email: 'ada@example.com',
      createdAt: '2026-01-02T03:04:05.000Z',
    },
    { seq: 1, subject: 'contacts.ContactCreated', msgId: 'e1' },
  );
  contactsProjection.apply(
    state,
    { type: 'ContactJoinedCircle', id: 'e2', contactId: 'c1', circle: 'friends' },
    { seq: 2, subject: 'contacts.ContactJoinedCircle', msgId: 'e2' },
  );
  return state;
}

describe('contacts projection base state', () => {
  it('rebuilds the same state from its canonical entries and from their JSON round trip', () => {
    const state = sampleState();
    const entries = [...contactsProjection.canonical(state)];
    const fromEntries = contactsProjection.fromEntries;
    if (!fromEntries) throw new Error('contacts projection must implement fromEntries');
    const viaJson = JSON.parse(JSON.stringify(entries)) as [string, unknown][];
    expect(digestEntries(contactsProjection.canonical(fromEntries(entries))).digest).toBe(
      digestEntries(entries).digest,
    );
    const rebuilt = fromEntries(viaJson);
    expect(digestEntries(contactsProjection.canonical(rebuilt)).digest).toBe(digestEntries(entries).digest);
    expect(rebuilt.get('c1')?.circles.has('friends')).toBe(true);
    expect(rebuilt.get('c1')?.createdAt).toBeInstanceOf(Date);
  });

  it('refuses an entry that is not a contact, naming its key', () => {
    expect(() => contactsProjection.fromEntries?.([['contact:c9', { name: 'x' }]])).toThrow(ProjectionError);
    expect(() => contactsProjection.fromEntries?.([['circle:x', {}]])).toThrow(/circle:x/);
  });
});
