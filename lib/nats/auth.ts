import {
  type Authenticator,
  credsAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from '@nats-io/transport-node';
import { ConfigError } from '../core/errors.js';

/** How drillbook logs in to NATS: read from a secret at run time, never from the package. */
export type NatsAuth =
  | { kind: 'creds'; creds: string }
  | { kind: 'nkey'; seed: string }
  | { kind: 'user'; user: string; pass: string }
  | { kind: 'token'; token: string };

/** TLS to NATS (a tls:// URL or a server that requires it): a CA file to trust besides Node's. */
export interface NatsTls {
  caFile?: string | undefined;
}

const USER_SEED = /^SU[A-Z2-7]{56}$/;

/**
 * The login a NATS secret holds, by its content: a creds file (the text with "BEGIN NATS USER
 * JWT" and the seed), a bare user nkey seed (SU...), or JSON {"user","password"} or {"token"}
 * (also {"creds"} or {"nkeySeed"} holding the former two). Errors name the secret, never its value.
 */
export function natsAuthFromSecret(secret: string, secretId: string, field: string): NatsAuth {
  const text = secret.trim();
  if (!text.startsWith('{') && text.includes('BEGIN NATS USER JWT')) return { kind: 'creds', creds: text };
  if (USER_SEED.test(text)) return { kind: 'nkey', seed: text };
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ConfigError(field, `secret ${secretId} is neither a creds file, a user nkey seed nor JSON`);
  }
  const str = (k: string) =>
    typeof parsed[k] === 'string' && parsed[k] !== '' ? (parsed[k] as string) : undefined;
  const creds = str('creds');
  if (creds?.includes('BEGIN NATS USER JWT')) return { kind: 'creds', creds };
  const seed = str('nkeySeed') ?? str('seed');
  if (seed && USER_SEED.test(seed)) return { kind: 'nkey', seed };
  const user = str('user') ?? str('username');
  const pass = str('password') ?? str('pass');
  if (user && pass) return { kind: 'user', user, pass };
  const token = str('token');
  if (token) return { kind: 'token', token };
  throw new ConfigError(
    field,
    `secret ${secretId} holds no NATS login: expected a creds file, a user nkey seed, {"user","password"} or {"token"}`,
  );
}

export function authenticatorFor(auth: NatsAuth): Authenticator {
  const bytes = (s: string) => new TextEncoder().encode(s);
  switch (auth.kind) {
    case 'creds':
      return credsAuthenticator(bytes(auth.creds));
    case 'nkey':
      return nkeyAuthenticator(bytes(auth.seed));
    case 'user':
      return usernamePasswordAuthenticator(auth.user, auth.pass);
    case 'token':
      return tokenAuthenticator(auth.token);
  }
}
