import { SecretsManagerStore } from '../../aws/secretsManagerStore.js';
import { InputError } from '../../core/errors.js';
import { renderMarkdown } from '../../core/markdown.js';
import { jwtAlgs } from '../../core/rotation/keyring.js';
import {
  hmacRotationSchema,
  jwtRotationSchema,
  postgresRotationSchema,
  rotationTypes,
  type SecretEntry,
  sslModes,
} from '../../core/rotation/secretsConfig.js';
import { setupLocalPostgresSecret } from '../../demo/localRotationDemo.js';
import { publishJwksFile } from '../../jobs/rotation/jwksFile.js';
import { initialHmacSecret, initialJwtSecret } from '../../jobs/rotation/keyringStrategies.js';
import { requestRotation } from '../../jobs/rotation/requestRotation.js';
import { rotateSecret } from '../../jobs/rotation/rotateSecret.js';
import { ROTATION_TAG } from '../../jobs/rotation/rotationAudit.js';
import { strategyFor } from '../../jobs/rotation/strategyFor.js';
import { FileSecretStore } from '../../local/fileSecretStore.js';
import { parseFlags, requireFlag } from '../args.js';
import { type Command, exitCodeFor } from '../context.js';
import { cliPublishers } from '../publishers.js';
import { optionalConfig } from '../runbookFlag.js';
import {
  configuredEntry,
  jwksFilePath,
  notJwtIsBadInput,
  oneOf,
  positiveInt,
  secretsConfig,
  storeFile,
  systemName,
} from './rotationFlags.js';

export const rotateCommand: Command = {
  name: 'rotate',
  summary: 'rotate a secret (Postgres alternating users, JWT signing keys, HMAC) in the local secret store',
  help: `usage: drillbook rotate --type postgres|jwt|hmac --secret ID [--store FILE] [options]

Runs the four Secrets Manager rotation steps (createSecret, setSecret, testSecret, finishSecret)
against the local secret store, playing Secrets Manager's part: it labels a new AWSPENDING version
and runs the same step code the Lambda rotation functions run. A rotation left unfinished (AWSPENDING
on a version that is not AWSCURRENT) is resumed with its own token. Writes a "secret-rotation" report.
With --target aws it calls RotateSecret instead: Secrets Manager invokes the deployed rotation
function for the four steps, and drillbook waits (bounded by --timeout) until the new version is
AWSCURRENT, then writes the report to the S3 runbook.

  --type TYPE          postgres | jwt | hmac (default: the type of --secret in the config's secrets.items)
  --secret ID          secret name in the store
  --target aws         rotate in AWS Secrets Manager (credentials from the environment)
  --region REGION      (aws) region (default: config secrets.region, else the SDK default)
  --timeout S          (aws) how long to wait for the rotation to finish (default 900)
  --store FILE         local secret store (default: config secrets.storeFile, else ./secrets.local.json)
  --runbook DIR        runbook folder (default: the config's runbook.dir, else ./runbook)
  --init               create the secret first if the store lacks it:
                         postgres: needs --admin-url; creates --role and an admin secret "<ID>-admin"
                         jwt/hmac: a new key ring, published now; the rotation itself waits until the
                         new keys have been published for the cache time (passed, "deferred")
  --admin-url URL      (--init, postgres) superuser URL of the local cluster
  --role NAME          (--init, postgres) login role to create (default: app; alternates with NAME_clone)
postgres:
  --ssl-mode MODE      verify-full (default) | require | disable. Local clusters have no TLS: pass
                       disable explicitly; with TLS required, a server without TLS is refused.
  --check-query SQL    run by testSecret as the new role (default: select 1)
jwt:
  --alg ALG            ES256 (default) | RS256
  --token-lifetime S   longest token lifetime in seconds (default 3600)
  --jwks-cache S       verifiers' JWKS cache time in seconds (default 300)
  --jwks-file FILE     write the published JWKS here on every run (--init re-runs too) and at
                       setSecret; its folder must exist. It records when each key reached it, and
                       NEXT signs only a cache time after that (drillbook jwks and rotation-audit
                       rewrite it, dropping retired keys when their overlap ends)
hmac:
  --overlap S          seconds the previous secret keeps verifying (default 86400)
  --cache S            verifiers' cache time in seconds (default 300)

Exit codes: 0 rotated, 1 rotation failed, 2 bad input or configuration.`,
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      type: { type: 'string' },
      secret: { type: 'string' },
      store: { type: 'string' },
      runbook: { type: 'string' },
      init: { type: 'boolean', default: false },
      'admin-url': { type: 'string' },
      role: { type: 'string' },
      'ssl-mode': { type: 'string' },
      'check-query': { type: 'string' },
      alg: { type: 'string' },
      'token-lifetime': { type: 'string' },
      'jwks-cache': { type: 'string' },
      'jwks-file': { type: 'string' },
      overlap: { type: 'string' },
      cache: { type: 'string' },
      region: { type: 'string' },
      timeout: { type: 'string' },
    });
    const config = optionalConfig(values.config);
    const secrets = secretsConfig(config);
    const secretId = requireFlag(values.secret, 'secret');
    if (values.target === 'aws') {
      const region = values.region ?? secrets.region;
      const store = new SecretsManagerStore({ ...(region ? { region } : {}), datePendingVersions: true });
      const { report, location } = await requestRotation(
        { secretId, system: systemName(values.system, config), environment: 'aws' },
        {
          store,
          request: (id) => store.requestRotation(id),
          publishers: cliPublishers(ctx, config, {
            target: 'aws',
            runbook: values.runbook,
            json: values.json,
          }),
          timeoutMs: (positiveInt(values.timeout, 'timeout', 1) ?? 900) * 1000,
          stuckAfterHours: secrets.stuckAfterHours,
          signal: ctx.signal,
        },
      );
      ctx.out(values.json ? JSON.stringify(report, null, 2) : renderMarkdown(report));
      ctx.err(`report: ${location}`);
      return exitCodeFor(report.outcome);
    }
    if (values.target !== 'local') throw new InputError('--target', 'must be local or aws');
    const configured = configuredEntry(secrets, secretId);
    const type = oneOf(values.type, 'type', rotationTypes) ?? configured?.type;
    if (!type)
      throw new InputError('--type', `is required (postgres, jwt or hmac): ${secretId} is not in the config`);
    const entry = entryFromFlags(type, secretId, configured, values);
    const jwksFile = entry.jwt?.jwksFile
      ? jwksFilePath(entry.jwt.jwksFile, values['jwks-file'] ? '--jwks-file' : 'secrets.items[].jwt.jwksFile')
      : undefined;
    const clock = ctx.now ?? (() => new Date());
    const store = new FileSecretStore(storeFile(values.store, secrets), clock);

    if (values.init && !(await store.has(secretId))) {
      const now = clock();
      if (type === 'postgres') {
        await setupLocalPostgresSecret({
          adminUrl: requireFlag(values['admin-url'], 'admin-url'),
          store,
          secretId,
          ...(values.role ? { role: values.role } : {}),
        });
      } else if (type === 'jwt') {
        const secret = initialJwtSecret(entry.jwt!.alg, now);
        await store.createSecret(secretId, JSON.stringify(secret), { tags: { [ROTATION_TAG]: 'jwt' } });
      } else {
        await store.createSecret(secretId, JSON.stringify(initialHmacSecret(now, entry.hmac!.keyBytes)), {
          tags: { [ROTATION_TAG]: 'hmac' },
        });
      }
      ctx.progress.step(`created ${type} secret ${secretId} in ${store.file}`);
    }

    if (!(await store.has(secretId))) {
      throw new InputError('--secret', `no secret "${secretId}" in ${store.file} (add --init to create it)`);
    }
    const log = (m: string) => ctx.progress.step(m);
    // Publish first, every run (an --init re-run too): the cache time a key waits before it signs
    // counts from when it reached the file verifiers load, not from when it was generated.
    const published = jwksFile
      ? await publishJwksFile(store, secretId, jwksFile, clock()).catch(notJwtIsBadInput)
      : undefined;
    if (published && published.added.length > 0) {
      log(
        `published ${published.added.length} new public keys of ${secretId} to ${jwksFile}: ${published.added.join(', ')} (a key waits the verifier cache time from now before it signs)`,
      );
    }
    const publishers = cliPublishers(ctx, config, { runbook: values.runbook, json: values.json });
    const { report, location } = await rotateSecret(
      { secretId, system: systemName(values.system, config), environment: 'local' },
      {
        store,
        strategy: strategyFor(entry, store, log, published?.publishedAt),
        start: (id) => store.startRotation(id),
        ...publishers,
        log,
        progress: ctx.progress,
        now: clock,
      },
    );
    const deferredUntil = report.details?.['deferredUntil'];
    if (typeof deferredUntil === 'string') {
      ctx.progress.step(
        `${secretId}: keys published; the first rotation can run after ${deferredUntil} (verifier cache time): run drillbook rotate again then`,
      );
    }
    ctx.out(values.json ? JSON.stringify(report, null, 2) : renderMarkdown(report));
    ctx.err(`report: ${location}`);
    return exitCodeFor(report.outcome);
  },
};

type Flags = Record<string, string | boolean | undefined>;

/** The configured options for the secret, overridden by flags. */
function entryFromFlags(
  type: SecretEntry['type'],
  id: string,
  configured: SecretEntry | undefined,
  values: Flags,
): SecretEntry {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  if (type === 'postgres') {
    const postgres = postgresRotationSchema.parse({
      ...configured?.postgres,
      ...defined({ sslMode: oneOf(str('ssl-mode'), 'ssl-mode', sslModes), checkQuery: str('check-query') }),
    });
    return { id, type, postgres };
  }
  if (type === 'jwt') {
    const jwt = jwtRotationSchema.parse({
      ...configured?.jwt,
      ...defined({
        alg: oneOf(str('alg'), 'alg', jwtAlgs),
        tokenLifetimeSeconds: positiveInt(str('token-lifetime'), 'token-lifetime', 1),
        jwksCacheSeconds: positiveInt(str('jwks-cache'), 'jwks-cache'),
        jwksFile: str('jwks-file'),
      }),
    });
    return { id, type, jwt };
  }
  const hmac = hmacRotationSchema.parse({
    ...configured?.hmac,
    ...defined({
      overlapSeconds: positiveInt(str('overlap'), 'overlap', 1),
      cacheSeconds: positiveInt(str('cache'), 'cache'),
    }),
  });
  return { id, type, hmac };
}
