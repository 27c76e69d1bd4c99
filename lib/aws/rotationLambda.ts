import {
  hmacRotationSchema,
  jwtRotationSchema,
  postgresRotationSchema,
  type SecretEntry,
} from '../core/rotation/secretsConfig.js';
import { parseWith } from '../drillbookConfig.js';
import { type Env, envNumber, envString } from '../env.js';
import { type RotationType, runRotationStep, type StepResult } from '../jobs/rotation/engine.js';
import { strategyFor } from '../jobs/rotation/strategyFor.js';
import type { SecretStore } from '../ports.js';
import { parseRotationEvent } from './events/secretsManager.js';
import { lambdaHandler, logger } from './handler.js';
import { SecretsManagerStore } from './secretsManagerStore.js';

/** The rotation options from the function's environment (set in serverless.yml); errors name the variable. */
export function rotationOptionsFromEnv(type: RotationType, env: Env): SecretEntry {
  if (type === 'postgres') {
    const postgres = parseWith(
      postgresRotationSchema,
      {
        sslMode: envString(env, 'PG_SSL_MODE'),
        caFile: envString(env, 'PG_CA_FILE'),
        checkQuery: envString(env, 'PG_CHECK_QUERY'),
        adminSecretId: envString(env, 'PG_ADMIN_SECRET_ID'),
        connectTimeoutSeconds: envNumber(env, 'PG_CONNECT_TIMEOUT_SECONDS'),
      },
      'env PG_*',
    );
    return { id: '', type, postgres };
  }
  if (type === 'jwt') {
    const jwt = parseWith(
      jwtRotationSchema,
      {
        alg: envString(env, 'JWT_ALG'),
        tokenLifetimeSeconds: envNumber(env, 'JWT_TOKEN_LIFETIME_SECONDS'),
        jwksCacheSeconds: envNumber(env, 'JWT_JWKS_CACHE_SECONDS'),
      },
      'env JWT_*',
    );
    return { id: '', type, jwt };
  }
  const hmac = parseWith(
    hmacRotationSchema,
    {
      overlapSeconds: envNumber(env, 'HMAC_OVERLAP_SECONDS'),
      cacheSeconds: envNumber(env, 'HMAC_CACHE_SECONDS'),
      keyBytes: envNumber(env, 'HMAC_KEY_BYTES'),
    },
    'env HMAC_*',
  );
  return { id: '', type, hmac };
}

export interface RotationHandlerDeps {
  store?: SecretStore;
  env?: Env;
  /** Ids and steps only; never values. */
  log?: (message: string) => void;
  /** The clock the steps read (key publication and overlap times); tests inject one, as the CLI's. */
  now?: () => Date;
}

/**
 * The body of a rotation Lambda: validate the Secrets Manager event, run that one step. Throws on
 * failure so Secrets Manager marks the rotation failed and retries it; every step is idempotent.
 */
export function createRotationHandler(type: RotationType, deps: RotationHandlerDeps = {}) {
  const env = deps.env ?? process.env;
  const log = deps.log ?? (() => {});
  let store = deps.store;
  return async (event: unknown): Promise<{ step: string; result: StepResult }> => {
    const rotation = parseRotationEvent(event);
    const options = rotationOptionsFromEnv(type, env);
    const region = envString(env, 'AWS_REGION');
    store ??= new SecretsManagerStore(region ? { region } : {});
    const result = await runRotationStep(rotation, {
      store,
      strategy: strategyFor(options, store, log),
      log,
      ...(deps.now ? { now: deps.now } : {}),
    });
    return { step: rotation.Step, result };
  };
}

/** The deployed rotation function of one secret type: the handler stack around createRotationHandler. */
export function rotationHandler(type: RotationType) {
  return lambdaHandler(
    { parse: parseRotationEvent },
    createRotationHandler(type, { log: (message) => logger.info(message) }),
  );
}
