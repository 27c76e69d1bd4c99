import {
  hmacRotationSchema,
  jwtRotationSchema,
  postgresRotationSchema,
  type SecretEntry,
} from '../../core/rotation/secretsConfig.js';
import type { SecretStore } from '../../ports.js';
import type { RotationStrategy } from './engine.js';
import { writeJwksFile } from './jwksFile.js';
import { hmacStrategy, jwtStrategy } from './keyringStrategies.js';
import { postgresStrategy } from './postgresStrategy.js';

/** The strategy for a configured secret, with defaults filled in for the options not given. */
export function strategyFor(
  entry: Pick<SecretEntry, 'type' | 'postgres' | 'jwt' | 'hmac'>,
  store: SecretStore,
  log: (message: string) => void,
  /** JWT: kid -> when it was first published to the JWKS file (the cache wait counts from there). */
  jwksPublishedAt?: Record<string, string>,
): RotationStrategy {
  switch (entry.type) {
    case 'postgres':
      return postgresStrategy(entry.postgres ?? postgresRotationSchema.parse({}), store, log);
    case 'jwt': {
      const options = entry.jwt ?? jwtRotationSchema.parse({});
      const file = options.jwksFile;
      return jwtStrategy(
        options,
        file
          ? async (jwks, now) => {
              await writeJwksFile(file, jwks, now);
              log(`setSecret: published ${jwks.keys.length} public keys to ${file}`);
            }
          : undefined,
        jwksPublishedAt,
      );
    }
    case 'hmac':
      return hmacStrategy(entry.hmac ?? hmacRotationSchema.parse({}));
  }
}
