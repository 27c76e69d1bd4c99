import { randomUUID } from 'node:crypto';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsErrorText, type PreflightCheck } from '../core/preflight.js';
import type { DrillbookConfig, SystemConfig } from '../drillbookConfig.js';
import { type AwsSystemConfig, OFFSITE_KMS_FIELD, rdsSource } from './awsSystemConfig.js';
import { createClient } from './clients.js';

export interface PreflightClients {
  rds: RDSClient;
  secrets: SecretsManagerClient;
  s3: S3Client;
  ec2: EC2Client;
}

export function preflightClients(config: DrillbookConfig, aws: AwsSystemConfig): PreflightClients {
  const s3Region = config.runbook.s3?.region ?? aws.region;
  return {
    rds: createClient(RDSClient, { region: aws.region }),
    secrets: createClient(SecretsManagerClient, { region: aws.region }),
    s3: createClient(S3Client, { region: s3Region }),
    ec2: createClient(EC2Client, { region: aws.region }),
  };
}

const pass = (name: string, detail: string): PreflightCheck => ({ name, outcome: 'passed', detail });
const fail = (name: string, detail: string): PreflightCheck => ({ name, outcome: 'failed', detail });

/**
 * The source exists, keeps automated backups (point-in-time restore needs them) and, with an
 * offsite region, has the KMS key an encrypted source's cross-region copy needs.
 */
async function sourceChecks(rds: RDSClient, aws: AwsSystemConfig): Promise<PreflightCheck[]> {
  const source = rdsSource(aws);
  const label = source.kind === 'cluster' ? `Aurora cluster ${source.id}` : `RDS instance ${source.id}`;
  let found: { status?: string | undefined; retention?: number | undefined; encrypted?: boolean | undefined };
  try {
    if (source.kind === 'cluster') {
      const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: source.id }));
      const c = out.DBClusters?.[0];
      found = { status: c?.Status, retention: c?.BackupRetentionPeriod, encrypted: c?.StorageEncrypted };
    } else {
      const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: source.id }));
      const i = out.DBInstances?.[0];
      found = {
        status: i?.DBInstanceStatus,
        retention: i?.BackupRetentionPeriod,
        encrypted: i?.StorageEncrypted,
      };
    }
  } catch (error) {
    return [
      fail('source', `${label} in ${aws.region}: ${awsErrorText(error)}`),
      { name: 'backup-retention', outcome: 'skipped', detail: 'the source could not be described' },
      ...(aws.offsite
        ? [
            {
              name: 'offsite-kms-key',
              outcome: 'skipped' as const,
              detail: 'the source could not be described',
            },
          ]
        : []),
    ];
  }
  const retention = found.retention ?? 0;
  return [
    pass('source', `${label} exists in ${aws.region} (${found.status ?? 'status unknown'})`),
    retention > 0
      ? pass('backup-retention', `BackupRetentionPeriod ${retention} day(s): point-in-time restore available`)
      : fail(
          'backup-retention',
          `BackupRetentionPeriod is ${retention}: drills restore to a point in time, which needs automated backups (set it to 1-35 days)`,
        ),
    ...(aws.offsite ? [offsiteKeyCheck(label, found.encrypted === true, aws.offsite)] : []),
  ];
}

/** An encrypted source's snapshots copy to another region only with a KMS key of that region. */
function offsiteKeyCheck(
  label: string,
  encrypted: boolean,
  offsite: NonNullable<AwsSystemConfig['offsite']>,
): PreflightCheck {
  if (!encrypted) return pass('offsite-kms-key', `${label} is not encrypted: its copies need no KMS key`);
  return offsite.kmsKeyId
    ? pass('offsite-kms-key', `${label} is encrypted; copies to ${offsite.region} use ${offsite.kmsKeyId}`)
    : fail(
        'offsite-kms-key',
        `${OFFSITE_KMS_FIELD}: ${label} is encrypted, and RDS copies its snapshots to ${offsite.region} only with a KMS key of that region: set ${OFFSITE_KMS_FIELD}`,
      );
}

/** A secret can be read (GetSecretValue); its value is only checked for its keys, never shown. */
async function secretCheck(
  secrets: SecretsManagerClient,
  name: string,
  secretId: string,
  keys: string[],
): Promise<PreflightCheck> {
  try {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (keys.length === 0) return pass(name, `${secretId} is readable`);
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(out.SecretString ?? '') as Record<string, unknown>;
    } catch {
      return fail(name, `${secretId} is readable but is not JSON with ${keys.join(', ')}`);
    }
    const missing = keys.filter((k) => typeof parsed[k] !== 'string' || parsed[k] === '');
    return missing.length === 0
      ? pass(name, `${secretId} is readable and has ${keys.join(', ')}`)
      : fail(name, `${secretId} is readable but lacks ${missing.join(', ')}`);
  } catch (error) {
    return fail(name, `${secretId}: ${awsErrorText(error)}`);
  }
}

/** A KMS-related failure shows in S3's error for the put or the get. */
function mentionsKms(error: unknown): boolean {
  return /kms/i.test(awsErrorText(error));
}

/**
 * The runbook bucket takes a write under the prefix (with the configured encryption: with a KMS
 * key that is kms:GenerateDataKey) and, with a KMS key, reads it back (kms:Decrypt); the object is
 * deleted afterwards.
 */
async function bucketChecks(s3: S3Client, config: DrillbookConfig): Promise<PreflightCheck[]> {
  const target = config.runbook.s3;
  if (!target)
    return [fail('runbook-bucket', 'runbook.s3 is not configured: reports and manifests need a bucket')];
  const kmsKeyId = config.reporting.kmsKeyId;
  const prefix = target.prefix === '' || target.prefix.endsWith('/') ? target.prefix : `${target.prefix}/`;
  const key = `${prefix}preflight/${randomUUID()}.txt`;
  const where = `s3://${target.bucket}/${key}`;
  const encryption: Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'> = kmsKeyId
    ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId }
    : { ServerSideEncryption: 'AES256' };
  const kmsSkipped: PreflightCheck[] = kmsKeyId
    ? []
    : [{ name: 'kms-key', outcome: 'skipped', detail: 'reporting.kmsKeyId is not set (SSE-S3)' }];
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: key,
        Body: 'drillbook preflight\n',
        ContentType: 'text/plain',
        ...encryption,
      }),
    );
  } catch (error) {
    const text = `PutObject ${where}: ${awsErrorText(error)}`;
    return [
      fail('runbook-bucket', text),
      ...(kmsKeyId
        ? [
            mentionsKms(error)
              ? fail('kms-key', `${kmsKeyId}: ${text} (needs kms:GenerateDataKey)`)
              : { name: 'kms-key', outcome: 'skipped' as const, detail: 'the bucket write failed first' },
          ]
        : kmsSkipped),
    ];
  }
  const checks: PreflightCheck[] = [];
  let cleanup = '';
  if (kmsKeyId) {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
      await out.Body?.transformToString();
      checks.push(pass('kms-key', `${kmsKeyId}: wrote and read back ${where} (GenerateDataKey, Decrypt)`));
    } catch (error) {
      checks.push(
        fail('kms-key', `${kmsKeyId}: GetObject ${where}: ${awsErrorText(error)} (needs kms:Decrypt)`),
      );
    }
  }
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key }));
  } catch (error) {
    cleanup = `; could not delete it (${awsErrorText(error)}): remove it by hand`;
  }
  return [
    pass('runbook-bucket', `wrote ${where} (${encryption.ServerSideEncryption})${cleanup}`),
    ...checks,
    ...kmsSkipped,
  ];
}

async function subnetGroupCheck(rds: RDSClient, aws: AwsSystemConfig): Promise<PreflightCheck> {
  const name = aws.staging.dbSubnetGroupName;
  try {
    const out = await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }));
    const group = out.DBSubnetGroups?.[0];
    return pass(
      'staging-subnet-group',
      `${name} exists in ${group?.VpcId ?? 'its VPC'} (${group?.Subnets?.length ?? 0} subnet(s))`,
    );
  } catch (error) {
    return fail('staging-subnet-group', `${name}: ${awsErrorText(error)}`);
  }
}

/**
 * The staging security groups exist (DescribeSecurityGroups answers InvalidGroup.NotFound for an
 * unknown one, naming it) and sit in one VPC: a restore into them needs the subnet group's VPC.
 */
async function securityGroupCheck(ec2: EC2Client, aws: AwsSystemConfig): Promise<PreflightCheck> {
  const ids = aws.staging.vpcSecurityGroupIds;
  try {
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ids }));
    const found = out.SecurityGroups ?? [];
    const missing = ids.filter((id) => !found.some((g) => g.GroupId === id));
    if (missing.length > 0) return fail('staging-security-groups', `not found: ${missing.join(', ')}`);
    const vpcs = [...new Set(found.map((g) => g.VpcId ?? '?'))];
    if (vpcs.length > 1)
      return fail('staging-security-groups', `${ids.join(', ')} are in different VPCs (${vpcs.join(', ')})`);
    return pass('staging-security-groups', `${ids.join(', ')} exist in ${vpcs[0]}`);
  } catch (error) {
    return fail('staging-security-groups', `${ids.join(', ')}: ${awsErrorText(error)}`);
  }
}

/** Every check for one system, in order. */
export async function runPreflight(
  config: DrillbookConfig,
  system: SystemConfig & { aws: AwsSystemConfig },
  clients: PreflightClients,
): Promise<PreflightCheck[]> {
  const { aws } = system;
  const secretChecks = [
    secretCheck(clients.secrets, 'source-secret', aws.sourceSecretId, ['username', 'password']),
  ];
  if (system.backup.manifestKey) {
    secretChecks.push(
      secretCheck(clients.secrets, 'manifest-key-secret', system.backup.manifestKey.secretId, []),
    );
  }
  const [source, secrets, bucket, subnets, groups] = await Promise.all([
    sourceChecks(clients.rds, aws),
    Promise.all(secretChecks),
    bucketChecks(clients.s3, config),
    subnetGroupCheck(clients.rds, aws),
    securityGroupCheck(clients.ec2, aws),
  ]);
  return [...source, ...secrets, ...bucket, subnets, groups];
}
