import { nkeys } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { natsAuthFromSecret } from '../../lib/nats/auth.js';

const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
const creds = `-----BEGIN NATS USER JWT-----
eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.sig
------END NATS USER JWT------

-----BEGIN USER NKEY SEED-----
${seed}
------END USER NKEY SEED------
`;

const read = (secret: string) =>
  natsAuthFromSecret(secret, 'drillbook/nats', 'systems.0.nats.credentialsSecretId');

describe('the NATS login a secret holds', () => {
  it('recognises a creds file, bare or as {"creds"}', () => {
    expect(read(creds)).toEqual({ kind: 'creds', creds: creds.trim() });
    expect(read(JSON.stringify({ creds }))).toEqual({ kind: 'creds', creds });
  });

  it('recognises a user nkey seed, bare or as {"nkeySeed"}', () => {
    expect(read(`${seed}\n`)).toEqual({ kind: 'nkey', seed });
    expect(read(JSON.stringify({ nkeySeed: seed }))).toEqual({ kind: 'nkey', seed });
  });

  it('recognises {"user","password"} (or "username") and {"token"}', () => {
    expect(read('{"user":"replay","password":"pw"}')).toEqual({ kind: 'user', user: 'replay', pass: 'pw' });
    expect(read('{"username":"replay","password":"pw"}')).toEqual({
      kind: 'user',
      user: 'replay',
      pass: 'pw',
    });
    expect(read('{"token":"abc"}')).toEqual({ kind: 'token', token: 'abc' });
  });

  it('names the field and the secret, never the value, when nothing fits', () => {
    for (const bad of ['not json, not a seed: hunter2', '{"user":"replay"}', `{"nkeySeed":"hunter2"}`]) {
      const error = (() => {
        try {
          read(bad);
        } catch (e) {
          return e as Error;
        }
        return null;
      })();
      expect(error?.message).toMatch(/^systems\.0\.nats\.credentialsSecretId: secret drillbook\/nats /);
      expect(error?.message).not.toContain('hunter2');
    }
  });
});
