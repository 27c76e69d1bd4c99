import { InputError } from '../../core/errors.js';
import { refreshJwksFile } from '../../jobs/rotation/jwksFile.js';
import { FileSecretStore } from '../../local/fileSecretStore.js';
import { parseFlags, requireFlag } from '../args.js';
import type { Command } from '../context.js';
import { optionalConfig } from '../runbookFlag.js';
import {
  configuredEntry,
  jwksFilePath,
  notJwtIsBadInput,
  secretsConfig,
  storeFile,
} from './rotationFlags.js';

export const jwksCommand: Command = {
  name: 'jwks',
  summary: 'rewrite the JWKS file of a JWT secret: retired keys drop out when their overlap ends',
  help: `usage: drillbook jwks --secret ID [--jwks-file FILE] [--store FILE]

Writes the JWKS verifiers should load now for a JWT secret in the local store: ACTIVE, NEXT, the
keys of a rotation in progress, and retired keys whose overlap (token lifetime + JWKS cache,
counted from the switch) has not ended. Run it on a schedule (rotation-audit does the same for
every configured secret with a jwksFile), so a retired key stops verifying when its overlap ends
rather than at the next rotation.

  --secret ID          the JWT secret
  --jwks-file FILE     where to write (default: the config's secrets.items[].jwt.jwksFile)
  --store FILE         local secret store (default: config secrets.storeFile, else ./secrets.local.json)

Exit codes: 0 written, 2 bad input or configuration.`,
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      secret: { type: 'string' },
      'jwks-file': { type: 'string' },
      store: { type: 'string' },
    });
    const config = optionalConfig(values.config);
    const secrets = secretsConfig(config);
    const secretId = requireFlag(values.secret, 'secret');
    const given = values['jwks-file'] ?? configuredEntry(secrets, secretId)?.jwt?.jwksFile;
    if (!given)
      throw new InputError('--jwks-file', `is required (${secretId} has no jwt.jwksFile in the config)`);
    const file = jwksFilePath(given, values['jwks-file'] ? '--jwks-file' : 'secrets.items[].jwt.jwksFile');
    const now = (ctx.now ?? (() => new Date()))();
    const store = new FileSecretStore(storeFile(values.store, secrets), ctx.now);
    if (!(await store.has(secretId)))
      throw new InputError('--secret', `no secret "${secretId}" in ${store.file}`);
    const kids = await refreshJwksFile(store, secretId, file, now).catch(notJwtIsBadInput);
    if (values.json) ctx.out(JSON.stringify({ secretId, file, kids }));
    else ctx.out(`wrote ${kids.length} public keys of ${secretId} to ${file}: ${kids.join(', ')}`);
    return 0;
  },
};
