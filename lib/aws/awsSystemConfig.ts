import { z } from 'zod';

/**
 * The AWS side of one system (config: systems[].aws): which RDS instance or Aurora cluster is the
 * source, where its credential lives, where drills restore to (staging only), and the waits.
 */
const rdsIdentifier = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, 'must be an RDS identifier (letters, digits, hyphens)');

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region like "eu-west-1"');

export const awsStagingSchema = z.strictObject({
  /** Must be "staging": drills only restore into staging. */
  environment: z.literal('staging', { error: 'must be "staging": drills only restore into staging' }),
  dbSubnetGroupName: z.string().min(1),
  vpcSecurityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'must be a security group id')).min(1),
  dbInstanceClass: z
    .string()
    .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an instance class like db.t4g.medium'),
  /**
   * Parameter and option groups of the restored copy. Default: the source's own, so staging runs
   * with the settings and extensions (shared_preload_libraries, limits) production runs with.
   */
  dbParameterGroupName: z.string().min(1).optional(),
  /** Aurora: the restored cluster's parameter group (default: the source cluster's). */
  dbClusterParameterGroupName: z.string().min(1).optional(),
  /** RDS for PostgreSQL instances: the option group (default: the source's). */
  optionGroupName: z.string().min(1).optional(),
});

export const awsSystemSchema = z
  .strictObject({
    region,
    /** The source: exactly one of an RDS DB instance or an Aurora cluster. */
    dbInstanceIdentifier: rdsIdentifier.optional(),
    dbClusterIdentifier: rdsIdentifier.optional(),
    /** Secrets Manager secret holding {"username", "password"} (the RDS-managed secret format). */
    sourceSecretId: z.string().min(1),
    /** Database to connect to for heartbeat, manifest and verification. */
    database: z.string().min(1).default('postgres'),
    /**
     * TLS to RDS. "verify-full" (default) checks the certificate chain and the host name against
     * Node's CAs plus NODE_EXTRA_CA_CERTS: on Lambda (Node.js 20+) that must be the runtime's
     * Amazon CA bundle, /var/runtime/ca-cert.pem (it holds the RDS CAs); elsewhere the RDS
     * global bundle (global-bundle.pem). "no-verify" encrypts without checking who answers (an
     * explicit opt-out); "disable" is plaintext (local tests only).
     */
    sslMode: z.enum(['verify-full', 'no-verify', 'disable']).default('verify-full'),
    /**
     * Offsite copies of each snapshot, in another region. An encrypted source needs `kmsKeyId`, a
     * key of that region (RDS refuses the copy without one); whether the source is encrypted is
     * known only from AWS, so preflight (offsite-kms-key) and the backup's offsite-copy check say so.
     */
    offsite: z.strictObject({ region, kmsKeyId: z.string().min(1).optional() }).optional(),
    staging: awsStagingSchema,
    /** Aurora only: the engine of the instance created in the restored cluster. */
    engine: z.string().default('aurora-postgresql'),
    /** Each bounded well inside the state machines' 48 h execution limit, so teardown always runs. */
    waits: z
      .strictObject({
        snapshotTimeoutMinutes: z.number().int().positive().max(1440).default(180),
        restoreTimeoutMinutes: z.number().int().positive().max(1440).default(240),
      })
      .default({ snapshotTimeoutMinutes: 180, restoreTimeoutMinutes: 240 }),
  })
  .superRefine((value, ctx) => {
    const both = value.dbInstanceIdentifier && value.dbClusterIdentifier;
    const neither = !value.dbInstanceIdentifier && !value.dbClusterIdentifier;
    if (both || neither) {
      ctx.addIssue({
        code: 'custom',
        path: ['dbInstanceIdentifier'],
        message: 'give exactly one of dbInstanceIdentifier (RDS) or dbClusterIdentifier (Aurora)',
      });
    }
  });

export type AwsSystemConfig = z.infer<typeof awsSystemSchema>;

/** The config field that names the offsite region's KMS key. */
export const OFFSITE_KMS_FIELD = 'aws.offsite.kmsKeyId';

/** Which RDS API family the source uses. */
export type RdsSource = { kind: 'instance'; id: string } | { kind: 'cluster'; id: string };

export function rdsSource(config: AwsSystemConfig): RdsSource {
  return config.dbClusterIdentifier
    ? { kind: 'cluster', id: config.dbClusterIdentifier }
    : { kind: 'instance', id: config.dbInstanceIdentifier! };
}
