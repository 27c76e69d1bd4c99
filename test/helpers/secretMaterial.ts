/** Members whose string values are secret material: passwords, HMAC keys, private JWK members. */
const SECRET_MEMBERS = ['password', 'secret', 'd', 'p', 'q', 'dp', 'dq', 'qi'];

/**
 * Every secret string in a secret's value (parsed JSON), at any depth: the ACTIVE, NEXT and every
 * retired key of a keyring, both roles' passwords. Short strings (under 8 characters) are left
 * out: they would match by chance.
 */
export function secretStrings(value: unknown, member = ''): string[] {
  if (typeof value === 'string') {
    return SECRET_MEMBERS.includes(member) && value.length >= 8 ? [value] : [];
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => secretStrings(v, Array.isArray(value) ? member : k));
  }
  return [];
}
