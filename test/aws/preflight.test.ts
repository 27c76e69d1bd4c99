import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeSecurityGroupsCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import {
  DBInstanceNotFoundFault,
  DBSubnetGroupNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchBucket,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { preflightCommand } from '../../lib/cli/commands/preflight.js';
import { capturedContext } from '../helpers/commandContext.js';
import { ACCOUNT, dbInstance, REGION } from './rdsFixtures.js';

/** `drillbook preflight --target aws` against the AWS APIs mocked with their real shapes and error names. */
const rds = mockClient(RDSClient);
const secrets = mockClient(SecretsManagerClient);
const s3 = mockClient(S3Client);
const ec2 = mockClient(EC2Client);

const meta = (status: number) => ({
  httpStatusCode: status,
  requestId: '5e5e5e5e-0000-4000-8000-000000000000',
  attempts: 1,
  totalRetryDelay: 0,
});
/** An S3 error as the SDK raises it for a 4xx without a modelled class (e.g. AccessDenied). */
const s3Error = (name: string, message: string, status = 403) =>
  new S3ServiceException({ name, $fault: 'client', message, $metadata: meta(status) });
const SECRET_VALUE = 's3cr3t-never-printed';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'drillbook-preflight-'));
  rds.reset();
  secrets.reset();
  s3.reset();
  ec2.reset();
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input: { GroupIds?: string[] }) => ({
    SecurityGroups: (input.GroupIds ?? []).map((GroupId) => ({
      GroupId,
      GroupName: `staging-${GroupId}`,
      VpcId: 'vpc-0a1b2c3d',
      OwnerId: ACCOUNT,
      Description: 'staging databases',
    })),
  }));
  // The healthy account; each test breaks one thing.
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance('shop-db')] });
  rds.on(DescribeDBSubnetGroupsCommand).resolves({
    DBSubnetGroups: [
      {
        DBSubnetGroupName: 'staging-db',
        DBSubnetGroupDescription: 'staging',
        VpcId: 'vpc-0a1b2c3d',
        SubnetGroupStatus: 'Complete',
        Subnets: [
          { SubnetIdentifier: 'subnet-0aaa', SubnetStatus: 'Active' },
          { SubnetIdentifier: 'subnet-0bbb', SubnetStatus: 'Active' },
        ],
        DBSubnetGroupArn: `arn:aws:rds:${REGION}:${ACCOUNT}:subgrp:staging-db`,
      },
    ],
  });
  secrets.on(GetSecretValueCommand).resolves({
    ARN: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:drillbook/source/shop-AbCdEf`,
    Name: 'drillbook/source/shop',
    VersionId: 'a1b2c3d4-0000-4000-8000-000000000000',
    SecretString: JSON.stringify({ username: 'app', password: SECRET_VALUE }),
    VersionStages: ['AWSCURRENT'],
    CreatedDate: new Date('2026-01-01T00:00:00Z'),
  });
  s3.on(PutObjectCommand).resolves({
    ETag: '"0a1b2c"',
    ServerSideEncryption: 'AES256',
    $metadata: meta(200),
  });
  s3.on(GetObjectCommand).resolves({
    Body: { transformToString: async () => 'drillbook preflight\n' } as never,
    $metadata: meta(200),
  });
  s3.on(DeleteObjectCommand).resolves({ $metadata: meta(204) });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function configFile(overrides: Record<string, unknown> = {}, aws: Record<string, unknown> = {}): string {
  const file = join(dir, 'drillbook.json');
  writeFileSync(
    file,
    JSON.stringify({
      systems: [
        {
          name: 'shop',
          database: { sourceUrl: 'postgresql://rds/shop' },
          aws: {
            region: REGION,
            dbInstanceIdentifier: 'shop-db',
            sourceSecretId: 'drillbook/source/shop',
            staging: {
              environment: 'staging',
              dbSubnetGroupName: 'staging-db',
              vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
              dbInstanceClass: 'db.t4g.medium',
            },
            ...aws,
          },
        },
      ],
      runbook: { s3: { bucket: 'ops-runbook', prefix: 'drillbook/' } },
      ...overrides,
    }),
  );
  return file;
}

async function preflight(file: string, ...extra: string[]) {
  const captured = capturedContext();
  const code = await preflightCommand.run(['--target', 'aws', '--config', file, ...extra], captured.ctx);
  const byName = (name: string) => captured.out.find((l) => l.split(' ')[1] === `${name}:`);
  return { code, out: captured.out, byName };
}

describe('drillbook preflight --target aws', () => {
  it('fails naming a staging security group that does not exist', async () => {
    // EC2 answers an unknown group id with InvalidGroup.NotFound, naming it.
    ec2.on(DescribeSecurityGroupsCommand).rejects(
      new EC2ServiceException({
        name: 'InvalidGroup.NotFound',
        $fault: 'client',
        message: "The security group 'sg-0dead' does not exist",
        $metadata: meta(400),
      }),
    );
    const { code, byName } = await preflight(configFile());
    expect(code).toBe(1);
    expect(byName('staging-security-groups')).toMatch(
      /^FAIL staging-security-groups: .*sg-0dead' does not exist/,
    );
  });

  it('passes when everything a drill needs is there, and says what it could not check', async () => {
    const { code, out, byName } = await preflight(configFile());
    expect(code).toBe(0);
    expect(byName('source')).toBe(`PASS source: RDS instance shop-db exists in ${REGION} (available)`);
    expect(byName('backup-retention')).toMatch(/^PASS backup-retention: BackupRetentionPeriod 7 day/);
    expect(byName('source-secret')).toBe(
      'PASS source-secret: drillbook/source/shop is readable and has username, password',
    );
    expect(byName('runbook-bucket')).toMatch(
      /^PASS runbook-bucket: wrote s3:\/\/ops-runbook\/drillbook\/preflight\/[0-9a-f-]{36}\.txt \(AES256\)$/,
    );
    expect(byName('kms-key')).toMatch(/^SKIP kms-key: reporting.kmsKeyId is not set/);
    expect(byName('staging-subnet-group')).toBe(
      'PASS staging-subnet-group: staging-db exists in vpc-0a1b2c3d (2 subnet(s))',
    );
    expect(byName('staging-security-groups')).toMatch(
      /^PASS staging-security-groups: sg-[0-9a-f]+.* exist in vpc-0a1b2c3d$/,
    );
    // The preflight object is removed again, under the same key it was written to.
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(s3.commandCalls(DeleteObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'ops-runbook',
      Key: put.Key,
    });
    expect(out.join('\n')).not.toContain(SECRET_VALUE);
  });

  it('names a missing source instance and a source without automated backups', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejects(
        new DBInstanceNotFoundFault({ message: 'DBInstance shop-db not found.', $metadata: meta(404) }),
      );
    const missing = await preflight(configFile());
    expect(missing.code).toBe(1);
    expect(missing.byName('source')).toBe(
      `FAIL source: RDS instance shop-db in ${REGION}: DBInstanceNotFoundFault: DBInstance shop-db not found.`,
    );
    expect(missing.byName('backup-retention')).toMatch(/^SKIP /);

    rds
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [dbInstance('shop-db', { BackupRetentionPeriod: 0 })] });
    const noBackups = await preflight(configFile());
    expect(noBackups.code).toBe(1);
    expect(noBackups.byName('backup-retention')).toMatch(
      /^FAIL backup-retention: BackupRetentionPeriod is 0: /,
    );
  });

  it('with an offsite region, fails an encrypted source without aws.offsite.kmsKeyId, naming the field', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [dbInstance('shop-db', { StorageEncrypted: true })] });
    const noKey = await preflight(configFile({}, { offsite: { region: 'eu-central-1' } }));
    expect(noKey.code).toBe(1);
    expect(noKey.byName('offsite-kms-key')).toBe(
      'FAIL offsite-kms-key: aws.offsite.kmsKeyId: RDS instance shop-db is encrypted, and RDS copies its snapshots to eu-central-1 only with a KMS key of that region: set aws.offsite.kmsKeyId',
    );

    const key = 'arn:aws:kms:eu-central-1:123456789012:key/3333-4444';
    const withKey = await preflight(configFile({}, { offsite: { region: 'eu-central-1', kmsKeyId: key } }));
    expect(withKey.code).toBe(0);
    expect(withKey.byName('offsite-kms-key')).toBe(
      `PASS offsite-kms-key: RDS instance shop-db is encrypted; copies to eu-central-1 use ${key}`,
    );

    rds
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [dbInstance('shop-db', { StorageEncrypted: false })] });
    const plain = await preflight(configFile({}, { offsite: { region: 'eu-central-1' } }));
    expect(plain.code).toBe(0);
    expect(plain.byName('offsite-kms-key')).toMatch(/^PASS offsite-kms-key: .* not encrypted/);
    // Without an offsite region there is nothing to copy, and no such check.
    expect((await preflight(configFile())).byName('offsite-kms-key')).toBeUndefined();
  });

  it('checks an Aurora source with DescribeDBClusters', async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [{ DBClusterIdentifier: 'shop-cluster', Status: 'available', BackupRetentionPeriod: 14 }],
    });
    const { code, byName } = await preflight(
      configFile({}, { dbInstanceIdentifier: undefined, dbClusterIdentifier: 'shop-cluster' }),
    );
    expect(code).toBe(0);
    expect(byName('source')).toBe(`PASS source: Aurora cluster shop-cluster exists in ${REGION} (available)`);
    expect(rds.commandCalls(DescribeDBInstancesCommand)).toHaveLength(0);
  });

  it('names an unreadable secret (AccessDeniedException) without printing any value', async () => {
    secrets.on(GetSecretValueCommand).rejects(
      new SecretsManagerServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message:
          'User: arn:aws:sts::123456789012:assumed-role/ops/me is not authorized to perform: secretsmanager:GetSecretValue on resource: drillbook/source/shop',
        $metadata: meta(400),
      }),
    );
    const { code, byName } = await preflight(configFile());
    expect(code).toBe(1);
    expect(byName('source-secret')).toMatch(
      /^FAIL source-secret: drillbook\/source\/shop: AccessDeniedException: User: .* secretsmanager:GetSecretValue/,
    );
  });

  it('names a missing bucket (NoSuchBucket) and a denied write (AccessDenied)', async () => {
    s3.on(PutObjectCommand).rejects(
      new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: meta(404) }),
    );
    const missing = await preflight(configFile());
    expect(missing.code).toBe(1);
    expect(missing.byName('runbook-bucket')).toMatch(
      /^FAIL runbook-bucket: PutObject s3:\/\/ops-runbook\/drillbook\/preflight\/.*: NoSuchBucket: The specified bucket does not exist$/,
    );

    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 'Access Denied'));
    const denied = await preflight(configFile());
    expect(denied.byName('runbook-bucket')).toMatch(/: AccessDenied: Access Denied$/);
  });

  it('with a KMS key, writes with SSE-KMS and reads back; a key the caller cannot use is named', async () => {
    const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const withKey = configFile({ reporting: { kmsKeyId: key } });
    const ok = await preflight(withKey);
    expect(ok.code).toBe(0);
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: key,
    });
    expect(ok.byName('kms-key')).toMatch(/^PASS kms-key: .* \(GenerateDataKey, Decrypt\)$/);

    s3.on(PutObjectCommand).rejects(
      s3Error(
        'AccessDenied',
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/ops/me is not authorized to perform: kms:GenerateDataKey on resource: ${key}`,
      ),
    );
    const denied = await preflight(withKey);
    expect(denied.code).toBe(1);
    expect(denied.byName('kms-key')).toMatch(/^FAIL kms-key: .*kms:GenerateDataKey/);
  });

  it('names a missing staging subnet group (DBSubnetGroupNotFoundFault), and prints JSON with --json', async () => {
    rds.on(DescribeDBSubnetGroupsCommand).rejects(
      new DBSubnetGroupNotFoundFault({
        message: 'DB subnet group staging-db not found.',
        $metadata: meta(404),
      }),
    );
    const captured = capturedContext();
    const code = await preflightCommand.run(
      ['--target', 'aws', '--config', configFile(), '--json'],
      captured.ctx,
    );
    expect(code).toBe(1);
    const json = JSON.parse(captured.out[0]!);
    expect(json.passed).toBe(false);
    expect(json.checks.find((c: { name: string }) => c.name === 'staging-subnet-group')).toEqual({
      name: 'staging-subnet-group',
      outcome: 'failed',
      detail: 'staging-db: DBSubnetGroupNotFoundFault: DB subnet group staging-db not found.',
    });
  });

  it('refuses bad input before calling AWS (exit 2)', async () => {
    const { ctx } = capturedContext();
    await expect(preflightCommand.run(['--config', configFile()], ctx)).rejects.toThrow(/^--target: /);
    await expect(preflightCommand.run(['--target', 'aws'], ctx)).rejects.toThrow(/^--config: is required/);
    const noAws = join(dir, 'local.json');
    writeFileSync(
      noAws,
      JSON.stringify({ systems: [{ name: 'shop', database: { sourceUrl: 'postgresql://db/x' } }] }),
    );
    await expect(preflightCommand.run(['--target', 'aws', '--config', noAws], ctx)).rejects.toThrow(
      /^systems\.0\.aws: is required/,
    );
    await expect(
      preflightCommand.run(['--target', 'aws', '--config', configFile(), '--system', 'billing'], ctx),
    ).rejects.toThrow(/^--system: no system "billing"/);
    expect(rds.calls()).toHaveLength(0);
  });
});
