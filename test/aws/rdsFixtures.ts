import type { DBInstance, DBSnapshot } from '@aws-sdk/client-rds';
import {
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';

/** Response shapes as the RDS API returns them (DescribeDBSnapshots / DescribeDBInstances members). */
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

export function dbSnapshot(id: string, overrides: Partial<DBSnapshot> = {}, system = 'shop'): DBSnapshot {
  return {
    DBSnapshotIdentifier: id,
    DBInstanceIdentifier: 'shop-db',
    SnapshotCreateTime: new Date('2026-11-20T02:00:00.000Z'),
    Engine: 'postgres',
    AllocatedStorage: 20,
    Status: 'available',
    Port: 5432,
    AvailabilityZone: `${REGION}a`,
    VpcId: 'vpc-0abc1234',
    InstanceCreateTime: new Date('2025-01-01T00:00:00.000Z'),
    MasterUsername: 'app',
    EngineVersion: '15.8',
    LicenseModel: 'postgresql-license',
    SnapshotType: 'manual',
    OptionGroupName: 'default:postgres-15',
    PercentProgress: 100,
    StorageType: 'gp3',
    Encrypted: true,
    KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111-2222`,
    DBSnapshotArn: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:${id}`,
    IAMDatabaseAuthenticationEnabled: false,
    DbiResourceId: 'db-ABCDEFGHIJKL',
    TagList: [
      { Key: 'drillbook:managed', Value: 'true' },
      { Key: 'drillbook:system', Value: system },
      { Key: 'drillbook:backup-id', Value: id },
    ],
    SnapshotTarget: 'region',
    ...overrides,
  };
}

export function dbInstance(id: string, overrides: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: id,
    DBInstanceClass: 'db.t4g.medium',
    Engine: 'postgres',
    DBInstanceStatus: 'available',
    MasterUsername: 'app',
    Endpoint: {
      Address: `${id}.c9akciq32.${REGION}.rds.amazonaws.com`,
      Port: 5432,
      HostedZoneId: 'Z29XKXDKYMONMX',
    },
    AllocatedStorage: 20,
    BackupRetentionPeriod: 7,
    LatestRestorableTime: new Date('2026-11-20T09:55:00.000Z'),
    DBInstanceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${id}`,
    // Every instance has one parameter group and one option group (the engine's defaults unless set).
    DBParameterGroups: [{ DBParameterGroupName: 'default.postgres15', ParameterApplyStatus: 'in-sync' }],
    OptionGroupMemberships: [{ OptionGroupName: 'default:postgres-15', Status: 'in-sync' }],
    TagList: [],
    ...overrides,
  };
}

const meta = {
  httpStatusCode: 400,
  requestId: 'c2d5e6f7-0000-4000-8000-000000000000',
  attempts: 1,
  totalRetryDelay: 0,
};

export const alreadyExists = (id: string) =>
  new DBSnapshotAlreadyExistsFault({
    message: `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
    $metadata: meta,
  });
export const snapshotNotFound = (id: string) =>
  new DBSnapshotNotFoundFault({
    message: `DBSnapshot ${id} not found.`,
    $metadata: { ...meta, httpStatusCode: 404 },
  });
export const quotaExceeded = () =>
  new SnapshotQuotaExceededFault({
    message: 'Cannot create more than 100 manual snapshots',
    $metadata: meta,
  });

/** The error the SDK raises for "Rate exceeded" on the RDS query API. */
export function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'Throttling',
    $fault: 'client',
    $metadata: meta,
    $retryable: { throttling: true },
  });
}

/**
 * A system's `aws` config section for tests whose fake RDS serves a local Postgres as the source
 * instance `instance` (no TLS to it, its login in the secret "shop/db").
 */
export function awsSection(instance = 'shop-db') {
  return {
    region: REGION,
    dbInstanceIdentifier: instance,
    sourceSecretId: 'shop/db',
    database: 'postgres',
    sslMode: 'disable',
    staging: {
      environment: 'staging',
      dbSubnetGroupName: 'staging-db',
      vpcSecurityGroupIds: ['sg-0123abcd'],
      dbInstanceClass: 'db.t4g.medium',
    },
  };
}
