import { SecretReadError } from '../core/reportingErrors.js';

/**
 * The webhook URL from a secret's value: either the URL itself, or JSON with a `url` or
 * `webhookUrl` field (the shape many teams store). Errors never include the value.
 */
export function webhookUrlFromSecret(secretId: string, value: string): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return trimmed;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    throw new SecretReadError(`secret ${secretId} looks like JSON but does not parse`, { cause: error });
  }
  const record = parsed as Record<string, unknown>;
  const url = record['url'] ?? record['webhookUrl'];
  if (typeof url !== 'string') {
    throw new SecretReadError(`secret ${secretId}: JSON value has no "url" or "webhookUrl" string field`);
  }
  return url.trim();
}
