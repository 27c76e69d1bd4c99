import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { giveToServerUser, run } from '../../lib/local/exec.js';

/** Test certificates made with openssl in `dir`: 2-day RSA keys, keys readable by their owner only. */
const openssl = (dir: string, args: string[]) => run('openssl', args, { timeoutMs: 60_000, cwd: dir });
const newKey = ['-newkey', 'rsa:2048', '-nodes'];

/** A self-signed `<name>.crt`/`<name>.key` for CN=127.0.0.1 (no CA vouches for it), owned by the server user. */
export async function selfSignedCertificate(
  dir: string,
  name = 'server',
): Promise<{ cert: string; key: string }> {
  await openssl(
    dir,
    ['req', '-x509', ...newKey, '-days', '2', '-subj', '/CN=127.0.0.1'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    ]),
  );
  return owned(dir, name);
}

/**
 * A CA of our own (`ca.crt`, standing in for the RDS bundle or an operator's CA) and a `<name>`
 * certificate it signed for `altNames` (e.g. "IP:127.0.0.1,DNS:localhost"), owned by the server user.
 */
export async function caSignedCertificate(
  dir: string,
  name: string,
  altNames: string,
): Promise<{ ca: string; cert: string; key: string }> {
  await openssl(
    dir,
    ['req', '-x509', ...newKey, '-days', '2', '-subj', '/CN=drillbook test CA'].concat([
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    ]),
  );
  await openssl(dir, [
    'req',
    ...newKey,
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  ]);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${altNames}\n`);
  await openssl(
    dir,
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]),
  );
  return { ca: join(dir, 'ca.crt'), ...owned(dir, name) };
}

function owned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  for (const file of [cert, key]) giveToServerUser(file);
  chmodSync(key, 0o600);
  return { cert, key };
}
