import {
  contactsDemoEvents,
  contactsStateAt,
  publishEvents,
  writeContactsProjection,
} from '../../lib/projections/contactsSeed.js';

/** The demo's contacts (fixed: the state stays the same size however many events there are). */
export const demoContacts = 20;

/** Demo events n (1-based) from..to: the same events whatever the total. */
export function demoEventsBetween(from: number, to: number) {
  return [...contactsDemoEvents(to, { contacts: demoContacts })].slice(from - 1);
}

/** Publishes demo events from..to on `<prefix>.<type>`. */
export function publishDemoEvents(natsUrl: string, prefix: string, from: number, to: number) {
  return publishEvents(natsUrl, prefix, demoEventsBetween(from, to));
}

/** Writes the contacts projection as the first `seq` demo events leave it, at checkpoint `seq`. */
export function writeProjectionAt(
  url: string,
  seq: number,
  tables: { table: string; checkpointTable: string },
) {
  return writeContactsProjection(url, contactsStateAt(seq, { contacts: demoContacts }), seq, tables);
}
