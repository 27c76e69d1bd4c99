import { InputError } from '../core/errors.js';
import type { AnyProjection } from '../core/replay/projection.js';
import { contactsProjection } from './contacts.js';

/** The projections a rehearsal can name with --projection. Add yours here. */
export const projections: readonly AnyProjection[] = [contactsProjection];

/** The projection by name: the user's (loaded from their modules) first, then the built-in ones. */
export function findProjection(
  name: string,
  field = '--projection',
  extra: readonly AnyProjection[] = [],
): AnyProjection {
  const known = [...extra, ...projections];
  const found = known.find((p) => p.name === name);
  if (!found) {
    throw new InputError(
      field,
      `unknown projection "${name}" (known: ${known.map((p) => p.name).join(', ')})`,
    );
  }
  return found;
}
