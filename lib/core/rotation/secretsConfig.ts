import { z } from 'zod';
import { jwtAlgs } from './keyring.js';

/** The `secrets` section of the drillbook config: what to rotate and audit, and how. */
export const sslModes = ['verify-full', 'require', 'disable'] as const;

export const postgresRotationSchema = z.strictObject({
  /** TLS to the database. verify-full unless set otherwise; "disable" is for local clusters only. */
  sslMode: z.enum(sslModes).default('verify-full'),
  /** PEM CA bundle (e.g. the RDS global bundle) for verify-full. */
  caFile: z.string().min(1).optional(),
  /** Run by testSecret as the pending role. */
  checkQuery: z.string().min(1).default('select 1'),
  /** Overrides the admin secret named in the secret value (adminSecretId / masterarn). */
  adminSecretId: z.string().min(1).optional(),
  connectTimeoutSeconds: z.number().int().positive().max(300).default(10),
});
export type PostgresRotationOptions = z.infer<typeof postgresRotationSchema>;

export const jwtRotationSchema = z.strictObject({
  alg: z.enum(jwtAlgs).default('ES256'),
  /** Longest lifetime of a token the service signs. */
  tokenLifetimeSeconds: z.number().int().positive().default(3600),
  /** How long verifiers cache the JWKS. */
  jwksCacheSeconds: z.number().int().min(0).default(300),
  /** Local path: write the published JWKS here at setSecret (a JWKS endpoint would serve it). */
  jwksFile: z.string().min(1).optional(),
});
export type JwtRotationOptions = z.infer<typeof jwtRotationSchema>;

export const hmacRotationSchema = z.strictObject({
  /** How long the previous secret keeps verifying after the switch. */
  overlapSeconds: z.number().int().positive().default(86_400),
  /** How long verifiers cache the secret. */
  cacheSeconds: z.number().int().min(0).default(300),
  keyBytes: z.number().int().min(16).max(128).default(32),
});
export type HmacRotationOptions = z.infer<typeof hmacRotationSchema>;

export const rotationTypes = ['postgres', 'jwt', 'hmac'] as const;

export const secretEntrySchema = z.strictObject({
  /** Secret name or ARN (local store: the name). */
  id: z.string().min(1),
  type: z.enum(rotationTypes),
  postgres: postgresRotationSchema.optional(),
  jwt: jwtRotationSchema.optional(),
  hmac: hmacRotationSchema.optional(),
});
export type SecretEntry = z.infer<typeof secretEntrySchema>;

export const secretsConfigSchema = z.strictObject({
  /** Local secret store file (JSON with Secrets Manager semantics). */
  storeFile: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  /** Flag secrets whose next rotation is within this many days. */
  warningDays: z.number().min(0).max(365).default(7),
  /** A rotation this late past its schedule counts as overdue. */
  graceHours: z
    .number()
    .min(0)
    .max(24 * 30)
    .default(24),
  /** An AWSPENDING this many hours old is a stuck rotation (younger: a rotation running now). */
  stuckAfterHours: z
    .number()
    .min(0)
    .max(24 * 30)
    .default(24),
  /** Audit every secret with this tag (besides `items`). */
  tag: z.strictObject({ key: z.string().min(1), value: z.string().optional() }).optional(),
  items: z.array(secretEntrySchema).default([]),
});
export type SecretsConfig = z.infer<typeof secretsConfigSchema>;
