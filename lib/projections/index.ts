import { InputError } from '../core/errors.js';
import type { AnyProjection } from '../core/replay/projection.js';
import { contactsProjection } from './contacts.js';

/** The projections a rehearsal can name with --projection. Add yours here. */
export const projections: readonly AnyProjection[] = [contactsProjection];

export function findProjection(name: string, field = '--projection'): AnyProjection {
  const found = projections.find((p) => p.name === name);
  if (!found) {
    throw new InputError(
      field,
      `unknown projection "${name}" (known: ${projections.map((p) => p.name).join(', ')})`,
    );
  }
  return found;
}
