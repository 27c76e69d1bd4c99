import {
  CreateDBInstanceCommand,
  DBClusterNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  RDSClient,
  RebootDBInstanceCommand,
  RestoreDBClusterToPointInTimeCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RdsSource } from '../../lib/aws/awsSystemConfig.js';
import { RdsRestoreTarget } from '../../lib/aws/rdsRestoreTarget.js';
import { GuardError, RecoveryError, StagingIsSourceError } from '../../lib/core/errors.js';
import { type BackupRecord, silentProgress } from '../../lib/ports.js';
import { dbInstance, REGION } from './rdsFixtures.js';

const rds = mockClient(RDSClient);
const signal = new AbortController().signal;
const meta = { httpStatusCode: 404, requestId: 'r-1', attempts: 1, totalRetryDelay: 0 };
const drillTags = [
  { Key: 'drillbook:drill', Value: 'true' },
  { Key: 'drillbook:environment', Value: 'staging' },
];
const instanceNotFound = (id: string) =>
  new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, $metadata: meta });

function target(
  source: RdsSource = { kind: 'instance', id: 'shop-db' },
  staging: Partial<ConstructorParameters<typeof RdsRestoreTarget>[0]['staging']> = {},
  stage?: string,
) {
  return new RdsRestoreTarget({
    stage,
    system: 'shop',
    source,
    client: new RDSClient({ region: REGION }),
    staging: {
      environment: 'staging',
      dbSubnetGroupName: 'staging-db',
      vpcSecurityGroupIds: ['sg-0123abcd'],
      dbInstanceClass: 'db.t4g.medium',
      ...staging,
    },
    engine: 'aurora-postgresql',
    database: 'shop',
    sslMode: 'no-verify',
    drillKey: 'execution-42',
    restoreTimeoutMs: 1000,
    pollIntervalMs: 1,
  });
}

const backup: BackupRecord = {
  id: 'drillbook-shop-20261120',
  system: 'shop',
  takenAt: '2026-11-20T02:00:00.000Z',
  finishedAt: '2026-11-20T02:00:00.000Z',
  location: `arn:aws:rds:${REGION}:123456789012:snapshot:drillbook-shop-20261120`,
  sizeBytes: null,
  manifest: {
    system: 'shop',
    backupId: 'drillbook-shop-20261120',
    capturedAt: '2026-11-20T02:05:07.000Z',
    postgresVersion: '15.8',
    migrationHead: null,
    tables: [],
    restorePoint: {
      name: 'drillbook-drillbook-shop-20261120',
      lsn: '0/3000060',
      time: '2026-11-20T02:05:07.000Z',
    },
  },
};

beforeEach(() => rds.reset());

describe('RdsRestoreTarget', () => {
  it('restores the source to the manifest point into the staging network, drill-tagged, with a deterministic id', async () => {
    const t = target();
    rds.on(DescribeDBInstancesCommand).rejects(instanceNotFound(t.stagingId));
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-db' }).resolves({
      DBInstances: [
        dbInstance('shop-db', {
          DBParameterGroups: [{ DBParameterGroupName: 'shop-pg15', ParameterApplyStatus: 'in-sync' }],
          OptionGroupMemberships: [{ OptionGroupName: 'shop-og15', Status: 'in-sync' }],
        }),
      ],
    });
    rds
      .on(RestoreDBInstanceToPointInTimeCommand)
      .resolves({ DBInstance: dbInstance(t.stagingId, { DBInstanceStatus: 'creating' }) });
    const handle = await t.provision(backup, silentProgress, signal);
    expect(handle).toEqual({ id: t.stagingId, connectionString: '' });
    expect(t.stagingId).toBe(target().stagingId);
    const input = rds.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      SourceDBInstanceIdentifier: 'shop-db',
      TargetDBInstanceIdentifier: t.stagingId,
      RestoreTime: new Date('2026-11-20T02:05:07.000Z'),
      DBSubnetGroupName: 'staging-db',
      VpcSecurityGroupIds: ['sg-0123abcd'],
      DBInstanceClass: 'db.t4g.medium',
      // The source's groups: its limits, preloaded libraries and extensions come along.
      DBParameterGroupName: 'shop-pg15',
      OptionGroupName: 'shop-og15',
      PubliclyAccessible: false,
      DeletionProtection: false,
    });
    expect(input.Tags).toEqual(expect.arrayContaining(drillTags));
    expect(t.recoveryPointFor(backup, { time: null })?.toISOString()).toBe('2026-11-20T02:05:07.000Z');
  });

  it('restores with the staging parameter and option groups the config names instead of the source ones', async () => {
    const t = target(undefined, { dbParameterGroupName: 'staging-pg15', optionGroupName: 'staging-og15' });
    rds.on(DescribeDBInstancesCommand).rejects(instanceNotFound(t.stagingId));
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-db' }).resolves({
      DBInstances: [dbInstance('shop-db')],
    });
    rds.on(RestoreDBInstanceToPointInTimeCommand).resolves({});
    await t.provision(backup, silentProgress, signal);
    expect(rds.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input).toMatchObject({
      DBParameterGroupName: 'staging-pg15',
      OptionGroupName: 'staging-og15',
    });
  });

  it('reboots a restored instance whose parameter group is pending-reboot, and reports the groups in sync', async () => {
    const t = target();
    const handle = { id: t.stagingId, connectionString: '' };
    const restored = (status: string, ParameterApplyStatus: string) =>
      dbInstance(t.stagingId, {
        DBInstanceStatus: status,
        TagList: drillTags,
        DBParameterGroups: [{ DBParameterGroupName: 'shop-pg15', ParameterApplyStatus }],
      });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: t.stagingId })
      .resolvesOnce({ DBInstances: [restored('available', 'pending-reboot')] })
      .resolvesOnce({ DBInstances: [restored('rebooting', 'applying')] })
      .resolves({ DBInstances: [restored('available', 'in-sync')] });
    rds.on(RebootDBInstanceCommand).resolves({});
    expect(await t.pollRecovery(handle)).toBeNull();
    expect(rds.commandCalls(RebootDBInstanceCommand)[0]!.args[0].input).toEqual({
      DBInstanceIdentifier: t.stagingId,
    });
    expect(await t.pollRecovery(handle)).toBeNull();
    expect(await t.pollRecovery(handle)).not.toBeNull();
    expect(rds.commandCalls(RebootDBInstanceCommand)).toHaveLength(1);
    expect(await t.recoveryChecks(handle)).toEqual([
      {
        name: 'staging-parameter-group',
        outcome: 'passed',
        detail: 'parameter group shop-pg15 (in-sync), option group default:postgres-15 (in-sync)',
      },
    ]);
  });

  it('fails the parameter-group check when a group of the restored copy is not applied', async () => {
    const t = target();
    const handle = { id: t.stagingId, connectionString: '' };
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: t.stagingId }).resolves({
      DBInstances: [
        dbInstance(t.stagingId, {
          TagList: drillTags,
          OptionGroupMemberships: [{ OptionGroupName: 'shop-og15', Status: 'failed' }],
        }),
      ],
    });
    expect(await t.pollRecovery(handle)).not.toBeNull();
    const [check] = await t.recoveryChecks(handle);
    expect(check?.outcome).toBe('failed');
    expect(check?.detail).toContain('option group shop-og15 (failed)');
  });

  it('names and tags its staging by stage, so a staging stack never takes production drills for its own', async () => {
    const staged = (stage: string) => target(undefined, {}, stage);
    const qa = staged('qa');
    expect(qa.stagingId).toMatch(/^drillbook-drill-qa-shop-[0-9a-f]{10}$/);
    expect(qa.stagingId).not.toBe(staged('prod').stagingId);
    expect(staged('a-very-long-stage-name-indeed').stagingId.length).toBeLessThanOrEqual(63);
    rds.on(DescribeDBInstancesCommand).rejects(instanceNotFound(qa.stagingId));
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-db' }).resolves({
      DBInstances: [dbInstance('shop-db')],
    });
    rds.on(RestoreDBInstanceToPointInTimeCommand).resolves({});
    await qa.provision(backup, silentProgress, signal);
    expect(rds.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input.Tags).toEqual(
      expect.arrayContaining([{ Key: 'drillbook:stage', Value: 'qa' }]),
    );
  });

  it('reuses the staging instance a redelivered step already started', async () => {
    const t = target();
    rds
      .on(DescribeDBInstancesCommand)
      .rejectsOnce(instanceNotFound(t.stagingId))
      .resolves({
        DBInstances: [dbInstance(t.stagingId, { DBInstanceStatus: 'creating', TagList: drillTags })],
      });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-db' }).resolves({
      DBInstances: [dbInstance('shop-db')],
    });
    rds
      .on(RestoreDBInstanceToPointInTimeCommand)
      .rejects(new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', $metadata: meta }));
    await t.provision(backup, silentProgress, signal);
    await t.provision(backup, silentProgress, signal);
    expect(rds.commandCalls(RestoreDBInstanceToPointInTimeCommand)).toHaveLength(1);
  });

  it('reports the endpoint only once available, without any credential, and fails on a failed restore', async () => {
    const t = target();
    const handle = { id: t.stagingId, connectionString: '' };
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({
        DBInstances: [dbInstance(t.stagingId, { DBInstanceStatus: 'creating', Endpoint: undefined })],
      })
      .resolvesOnce({
        DBInstances: [dbInstance(t.stagingId, { DBInstanceStatus: 'available', TagList: drillTags })],
      })
      .resolves({ DBInstances: [dbInstance(t.stagingId, { DBInstanceStatus: 'incompatible-restore' })] });
    expect(await t.pollRecovery(handle)).toBeNull();
    const ready = await t.pollRecovery(handle);
    expect(ready?.connectionString).toBe(
      `postgresql://${t.stagingId}.c9akciq32.${REGION}.rds.amazonaws.com:5432/shop?sslmode=require`,
    );
    rds.on(DescribeEventsCommand).resolves({
      Events: [
        {
          SourceIdentifier: t.stagingId,
          SourceType: 'db-instance',
          Message: 'Restored from DB instance shop-db to 2026-11-20 02:05:07',
          Date: new Date('2026-11-20T10:00:00Z'),
        },
        {
          SourceIdentifier: t.stagingId,
          SourceType: 'db-instance',
          Message:
            'Database instance is in a state that cannot be upgraded: the database cannot be started because of incompatible parameters.',
          Date: new Date('2026-11-20T10:20:00Z'),
        },
      ],
    });
    const failure = await t.pollRecovery(handle).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RecoveryError);
    expect((failure as Error).message).toMatch(
      /is incompatible-restore: RDS says: Restored from .* \| .*incompatible parameters/,
    );
  });

  it('deletes only a drill-tagged staging instance, and is idempotent', async () => {
    const t = target();
    const handle = { id: t.stagingId, connectionString: '' };
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [dbInstance(t.stagingId, { TagList: drillTags })] });
    rds.on(DeleteDBInstanceCommand).resolves({});
    await t.teardown(handle, silentProgress);
    expect(rds.commandCalls(DeleteDBInstanceCommand)[0]!.args[0].input).toEqual({
      DBInstanceIdentifier: t.stagingId,
      SkipFinalSnapshot: true,
      DeleteAutomatedBackups: true,
    });
    rds.on(DescribeDBInstancesCommand).rejects(instanceNotFound(t.stagingId));
    await t.teardown(handle, silentProgress);
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(1);
  });

  it('refuses to delete or mask an instance without the drill tags, and any handle not its own', async () => {
    const t = target();
    const handle = { id: t.stagingId, connectionString: '' };
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [dbInstance(t.stagingId, { TagList: [{ Key: 'drillbook:drill', Value: 'true' }] })],
    });
    await expect(t.teardown(handle, silentProgress)).rejects.toThrow(GuardError);
    await expect(t.assertStaging(handle)).rejects.toThrow(
      /not tagged drillbook:drill=true and drillbook:environment=staging/,
    );
    await expect(t.teardown({ id: 'shop-db', connectionString: '' }, silentProgress)).rejects.toThrow(
      GuardError,
    );
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });

  it('refuses to mask a drill-tagged staging whose connection reaches the source endpoint', async () => {
    const t = target();
    const sourceHost = 'shop-db.c9akciq32.eu-west-1.rds.amazonaws.com';
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: t.stagingId }).resolves({
      DBInstances: [dbInstance(t.stagingId, { TagList: drillTags })],
    });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-db' }).resolves({
      DBInstances: [dbInstance('shop-db', { Endpoint: { Address: sourceHost, Port: 5432 } })],
    });
    const at = (host: string, port: number) => ({
      id: t.stagingId,
      connectionString: `postgresql://app:secret@${host}:${port}/shop?sslmode=no-verify`,
    });
    // The source's address, in another spelling (case, trailing dot): refused, naming both ends.
    const refused = await t.assertStaging(at(`${sourceHost.toUpperCase()}.`, 5432)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StagingIsSourceError);
    expect(refused).toBeInstanceOf(GuardError);
    expect((refused as Error).message).toBe(
      `refusing to write into staging ${t.stagingId}: its connection ${sourceHost.toUpperCase()}.:5432 reaches the source instance shop-db (${sourceHost}:5432)`,
    );
    // The staging instance's own endpoint, and the source's host on another port, are not the source.
    await expect(
      t.assertStaging(at(`${t.stagingId}.c9akciq32.eu-west-1.rds.amazonaws.com`, 5432)),
    ).resolves.toBeUndefined();
    await expect(t.assertStaging(at(sourceHost, 5433))).resolves.toBeUndefined();
  });

  it('refuses to mask a staging whose name resolves to the source address (an alias)', async () => {
    const t = target();
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: t.stagingId }).resolves({
      DBInstances: [dbInstance(t.stagingId, { TagList: drillTags })],
    });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-db' }).resolves({
      DBInstances: [dbInstance('shop-db', { Endpoint: { Address: '127.0.0.1', Port: 5432 } })],
    });
    await expect(
      t.assertStaging({ id: t.stagingId, connectionString: 'postgresql://app:secret@localhost:5432/shop' }),
    ).rejects.toThrow(StagingIsSourceError);
  });

  it('refuses a staging section that is not staging', () => {
    expect(() => target(undefined, { environment: 'production' as 'staging' })).toThrow(GuardError);
  });

  it('restores an Aurora cluster, adds its instance once the cluster is available, and deletes both', async () => {
    const t = target({ kind: 'cluster', id: 'shop-cluster' });
    const member = `${t.stagingId}-1`;
    const cluster = (Status: string) => ({
      DBClusterIdentifier: t.stagingId,
      Status,
      Endpoint: `${t.stagingId}.cluster-c9akciq32.${REGION}.rds.amazonaws.com`,
      Port: 5432,
      TagList: drillTags,
    });
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'shop-cluster' }).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'shop-cluster',
          Status: 'available',
          DBClusterParameterGroup: 'shop-aurora-cluster-pg15',
          DBClusterMembers: [
            {
              DBInstanceIdentifier: 'shop-cluster-1',
              IsClusterWriter: true,
              DBClusterParameterGroupStatus: 'in-sync',
            },
          ],
        },
      ],
    });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-cluster-1' }).resolves({
      DBInstances: [
        dbInstance('shop-cluster-1', {
          Engine: 'aurora-postgresql',
          DBParameterGroups: [{ DBParameterGroupName: 'shop-aurora-pg15', ParameterApplyStatus: 'in-sync' }],
        }),
      ],
    });
    rds
      .on(DescribeDBClustersCommand, { DBClusterIdentifier: t.stagingId })
      .rejectsOnce(new DBClusterNotFoundFault({ message: 'DBCluster not found', $metadata: meta }))
      .resolvesOnce({ DBClusters: [cluster('creating')] })
      .resolves({ DBClusters: [cluster('available')] });
    rds.on(RestoreDBClusterToPointInTimeCommand).resolves({});
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: member })
      .rejectsOnce(instanceNotFound(member))
      .resolvesOnce({
        DBInstances: [dbInstance(member, { DBInstanceStatus: 'creating', TagList: drillTags })],
      })
      .resolves({ DBInstances: [dbInstance(member, { DBInstanceStatus: 'available', TagList: drillTags })] });
    rds.on(CreateDBInstanceCommand).resolves({});
    rds.on(DeleteDBInstanceCommand).resolves({});
    rds.on(DeleteDBClusterCommand).resolves({});

    const handle = await t.provision(backup, silentProgress, signal);
    expect(rds.commandCalls(RestoreDBClusterToPointInTimeCommand)[0]!.args[0].input).toMatchObject({
      SourceDBClusterIdentifier: 'shop-cluster',
      DBClusterIdentifier: t.stagingId,
      RestoreToTime: new Date('2026-11-20T02:05:07.000Z'),
      DBClusterParameterGroupName: 'shop-aurora-cluster-pg15',
    });
    expect(await t.pollRecovery(handle)).toBeNull(); // cluster creating
    expect(await t.pollRecovery(handle)).toBeNull(); // cluster available: instance created
    expect(await t.pollRecovery(handle)).toBeNull(); // instance creating
    expect((await t.pollRecovery(handle))?.connectionString).toMatch(/cluster-c9akciq32/);
    expect(rds.commandCalls(CreateDBInstanceCommand)).toHaveLength(1);
    expect(rds.commandCalls(CreateDBInstanceCommand)[0]!.args[0].input).toMatchObject({
      DBInstanceIdentifier: member,
      DBClusterIdentifier: t.stagingId,
      Engine: 'aurora-postgresql',
      DBParameterGroupName: 'shop-aurora-pg15',
    });

    await t.teardown(handle, silentProgress);
    expect(rds.commandCalls(DeleteDBInstanceCommand)[0]!.args[0].input.DBInstanceIdentifier).toBe(member);
    expect(rds.commandCalls(DeleteDBClusterCommand)[0]!.args[0].input).toEqual({
      DBClusterIdentifier: t.stagingId,
      SkipFinalSnapshot: true,
    });
  });
});
