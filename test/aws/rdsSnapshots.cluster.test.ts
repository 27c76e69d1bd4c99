import {
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  type DBClusterSnapshot,
  DBClusterSnapshotNotFoundFault,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RdsSource } from '../../lib/aws/awsSystemConfig.js';
import { RdsSnapshots } from '../../lib/aws/rdsSnapshots.js';
import { silentProgress } from '../../lib/ports.js';
import { ACCOUNT, dbInstance, dbSnapshot, REGION } from './rdsFixtures.js';

/**
 * The Aurora half of the snapshot API (cluster snapshots, DescribeDBClusters for PITR facts),
 * and the failing branches of a snapshot's verification: PITR off, not encrypted.
 */
const rds = mockClient(RDSClient);
const OFFSITE = 'eu-central-1';
const sourceRds = new RDSClient({ region: REGION });
const offsiteRds = new RDSClient({ region: OFFSITE });
const meta = { httpStatusCode: 404, requestId: 'r-1', attempts: 1, totalRetryDelay: 0 };
const notFound = (id: string) =>
  new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot ${id} not found.`, $metadata: meta });

/** A DescribeDBClusterSnapshots member as the API returns it. */
function clusterSnapshot(
  id: string,
  overrides: Partial<DBClusterSnapshot> = {},
  system = 'shop',
): DBClusterSnapshot {
  return {
    DBClusterSnapshotIdentifier: id,
    DBClusterIdentifier: 'shop-cluster',
    SnapshotCreateTime: new Date('2026-11-20T02:00:00.000Z'),
    Engine: 'aurora-postgresql',
    EngineMode: 'provisioned',
    AllocatedStorage: 1,
    Status: 'available',
    Port: 0,
    VpcId: 'vpc-0abc1234',
    ClusterCreateTime: new Date('2025-01-01T00:00:00.000Z'),
    MasterUsername: 'app',
    EngineVersion: '15.8',
    LicenseModel: 'postgresql-license',
    SnapshotType: 'manual',
    PercentProgress: 100,
    StorageEncrypted: true,
    KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111-2222`,
    DBClusterSnapshotArn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:${id}`,
    IAMDatabaseAuthenticationEnabled: false,
    TagList: [
      { Key: 'drillbook:managed', Value: 'true' },
      { Key: 'drillbook:system', Value: system },
      { Key: 'drillbook:backup-id', Value: id },
    ],
    DbClusterResourceId: 'cluster-ABCDEFGHIJKL',
    StorageType: 'aurora',
    ...overrides,
  };
}

/** Snapshots of `source` in REGION; with `offsite`, copies go to (and are deleted in) OFFSITE. */
function repo(source: RdsSource = { kind: 'cluster', id: 'shop-cluster' }, offsite = false) {
  const where = { region: REGION, client: sourceRds };
  // Aurora storage is encrypted here, so the offsite copy needs a key of the offsite region.
  const kmsKeyId = `arn:aws:kms:${OFFSITE}:123456789012:alias/drillbook-offsite`;
  const copies = offsite ? { region: OFFSITE, client: offsiteRds, kmsKeyId } : undefined;
  const waits = { snapshotTimeoutMs: 5_000, pollIntervalMs: 1 };
  const none = { put: async () => {}, get: async () => null };
  return new RdsSnapshots({ system: 'shop', source, ...where, ...waits, offsite: copies, manifests: none });
}

/** The client (region) each call of a command went to. */
const regionsOf = (calls: { thisValue: unknown }[]) =>
  calls.map((c) => (c.thisValue === offsiteRds ? OFFSITE : c.thisValue === sourceRds ? REGION : '?'));

beforeEach(() => rds.reset());

describe('RdsSnapshots on an Aurora cluster', () => {
  it('creates a tagged cluster snapshot and reports it ready only once available', async () => {
    const id = 'drillbook-shop-20261120';
    rds
      .on(DescribeDBClusterSnapshotsCommand, { DBClusterSnapshotIdentifier: id })
      .rejectsOnce(notFound(id))
      .resolvesOnce({ DBClusterSnapshots: [clusterSnapshot(id, { Status: 'creating', PercentProgress: 0 })] })
      .resolvesOnce({
        DBClusterSnapshots: [clusterSnapshot(id, { Status: 'creating', PercentProgress: 50 })],
      })
      .resolves({ DBClusterSnapshots: [clusterSnapshot(id)] });
    rds
      .on(CreateDBClusterSnapshotCommand)
      .resolves({ DBClusterSnapshot: clusterSnapshot(id, { Status: 'creating' }) });
    const snapshots = repo();
    expect((await snapshots.start(id, silentProgress)).finishedAt).toBe('');
    expect(await snapshots.poll(id)).toBeNull();
    const done = await snapshots.poll(id);
    expect(done?.location).toBe(`arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:${id}`);
    expect(done?.sizeBytes).toBe(1024 ** 3);
    const create = rds.commandCalls(CreateDBClusterSnapshotCommand);
    expect(create).toHaveLength(1);
    expect(create[0]!.args[0].input).toMatchObject({
      DBClusterIdentifier: 'shop-cluster',
      DBClusterSnapshotIdentifier: id,
      Tags: expect.arrayContaining([
        { Key: 'drillbook:managed', Value: 'true' },
        { Key: 'drillbook:system', Value: 'shop' },
      ]),
    });
    // Never the instance API for a cluster source.
    expect(rds.commandCalls(DescribeDBSnapshotsCommand)).toHaveLength(0);
  });

  it("lists manual cluster snapshots page by page and keeps only this system's", async () => {
    const pages = [
      [
        clusterSnapshot('drillbook-shop-20261118', { SnapshotCreateTime: new Date('2026-11-18T02:00:00Z') }),
        clusterSnapshot('drillbook-billing-20261118', {}, 'billing'),
      ],
      [clusterSnapshot('drillbook-shop-20261119', { SnapshotCreateTime: new Date('2026-11-19T02:00:00Z') })],
    ];
    rds.on(DescribeDBClusterSnapshotsCommand).callsFake((input: { Marker?: string }) => {
      const page = input.Marker ? 1 : 0;
      return { DBClusterSnapshots: pages[page], ...(page === 0 ? { Marker: 'cGFnZS0y' } : {}) };
    });
    const records = await repo().list();
    expect(records.map((r) => r.id)).toEqual(['drillbook-shop-20261119', 'drillbook-shop-20261118']);
    const calls = rds.commandCalls(DescribeDBClusterSnapshotsCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { DBClusterIdentifier: 'shop-cluster', SnapshotType: 'manual', MaxRecords: 100, Marker: undefined },
      { DBClusterIdentifier: 'shop-cluster', SnapshotType: 'manual', MaxRecords: 100, Marker: 'cGFnZS0y' },
    ]);
  });

  it('copies a cluster snapshot offsite in the offsite region and deletes both copies, each in its region', async () => {
    const id = 'drillbook-shop-20261120';
    rds
      .on(DescribeDBClusterSnapshotsCommand, { DBClusterSnapshotIdentifier: id })
      .callsFake((_input: unknown, getClient: () => unknown) => {
        // Before the copy the offsite region has none; the source region always has it.
        if (getClient() === offsiteRds && rds.commandCalls(CopyDBClusterSnapshotCommand).length === 0)
          throw notFound(id);
        return { DBClusterSnapshots: [clusterSnapshot(id)] };
      });
    rds.on(CopyDBClusterSnapshotCommand).resolves({});
    rds.on(DeleteDBClusterSnapshotCommand).resolves({});
    const snapshots = repo(undefined, true);
    const record = (await snapshots.get(id))!;
    expect((await snapshots.copyOffsite!(record, silentProgress)).detail).toBe(
      `copy of ${id} to ${OFFSITE} started`,
    );
    const copies = rds.commandCalls(CopyDBClusterSnapshotCommand);
    expect(regionsOf(copies)).toEqual([OFFSITE]);
    expect(copies[0]!.args[0].input).toEqual({
      SourceDBClusterSnapshotIdentifier: record.location,
      TargetDBClusterSnapshotIdentifier: id,
      CopyTags: true,
      KmsKeyId: `arn:aws:kms:${OFFSITE}:123456789012:alias/drillbook-offsite`,
    });
    await snapshots.remove(record);
    const deletes = rds.commandCalls(DeleteDBClusterSnapshotCommand);
    expect(regionsOf(deletes)).toEqual([REGION, OFFSITE]);
    expect(deletes.map((c) => c.args[0].input)).toEqual([
      { DBClusterSnapshotIdentifier: id },
      { DBClusterSnapshotIdentifier: id },
    ]);
  });

  it('tags the cluster snapshot with the manifest point and reads PITR facts from DescribeDBClusters', async () => {
    rds.on(AddTagsToResourceCommand).resolves({});
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'shop-cluster' }).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'shop-cluster',
          BackupRetentionPeriod: 7,
          LatestRestorableTime: new Date('2026-11-20T09:55:00.000Z'),
          Status: 'available',
        },
      ],
    });
    expect((await repo().newestRestorablePoint())?.toISOString()).toBe('2026-11-20T09:55:00.000Z');
    expect(rds.commandCalls(DescribeDBInstancesCommand)).toHaveLength(0);
  });
});

describe('RdsSnapshots verification failures', () => {
  it('fails pitr-enabled when BackupRetentionPeriod is 0 and snapshot-encrypted when a cluster snapshot is not encrypted', async () => {
    const id = 'drillbook-shop-20261120';
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [clusterSnapshot(id, { StorageEncrypted: false })],
    });
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [{ DBClusterIdentifier: 'shop-cluster', BackupRetentionPeriod: 0 }],
    });
    const snapshots = repo();
    const checks = await snapshots.verify((await snapshots.get(id))!);
    expect(checks).toEqual([
      { name: 'snapshot-status', outcome: 'passed', detail: `${id} available (1 GiB, NOT encrypted)` },
      {
        name: 'pitr-enabled',
        outcome: 'failed',
        detail:
          'BackupRetentionPeriod is 0 on shop-cluster: no point-in-time recovery, drills cannot restore',
      },
      { name: 'snapshot-encrypted', outcome: 'failed', detail: `${id} is not encrypted at rest` },
    ]);
    expect(await snapshots.newestRestorablePoint()).toBeNull();
  });

  it('passes an encrypted instance snapshot of a source with PITR, with no snapshot-encrypted check', async () => {
    const id = 'drillbook-shop-20261120';
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot(id)] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance('shop-db')] });
    const snapshots = repo({ kind: 'instance', id: 'shop-db' });
    const checks = await snapshots.verify((await snapshots.get(id))!);
    expect(checks.map((c) => [c.name, c.outcome])).toEqual([
      ['snapshot-status', 'passed'],
      ['pitr-enabled', 'passed'],
    ]);
    expect(checks[0]?.detail).toBe(`${id} available (20 GiB, encrypted)`);
  });

  it('fails snapshot-encrypted for an unencrypted instance snapshot', async () => {
    const id = 'drillbook-shop-20261120';
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot(id, { Encrypted: false })] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance('shop-db')] });
    const snapshots = repo({ kind: 'instance', id: 'shop-db' });
    const checks = await snapshots.verify((await snapshots.get(id))!);
    expect(checks.find((c) => c.name === 'snapshot-encrypted')).toEqual({
      name: 'snapshot-encrypted',
      outcome: 'failed',
      detail: `${id} is not encrypted at rest`,
    });
  });
});
