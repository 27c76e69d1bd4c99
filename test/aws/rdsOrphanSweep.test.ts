import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DBCluster,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  InvalidDBInstanceStateFault,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { sweepRdsStaging } from '../../lib/aws/rdsOrphanSweep.js';
import { RdsRestoreTarget } from '../../lib/aws/rdsRestoreTarget.js';
import { cleanupCommand } from '../../lib/cli/commands/cleanup.js';
import { silentProgress } from '../../lib/ports.js';
import { capturedContext } from '../helpers/commandContext.js';
import { ACCOUNT, dbInstance, REGION } from './rdsFixtures.js';

const rds = mockClient(RDSClient);
const now = new Date('2026-12-01T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
const drillTags = (system = 'shop', environment = 'staging') => [
  { Key: 'drillbook:drill', Value: 'true' },
  { Key: 'drillbook:environment', Value: environment },
  { Key: 'drillbook:system', Value: system },
  { Key: 'drillbook:backup-id', Value: 'drillbook-shop-20261120' },
  { Key: 'drillbook:drill-id', Value: 'execution-41' },
];

function cluster(id: string, overrides: Partial<DBCluster> = {}): DBCluster {
  return {
    DBClusterIdentifier: id,
    DBClusterArn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:${id}`,
    Status: 'available',
    Engine: 'aurora-postgresql',
    EngineVersion: '15.4',
    Endpoint: `${id}.cluster-c9akciq32.${REGION}.rds.amazonaws.com`,
    Port: 5432,
    MasterUsername: 'app',
    MultiAZ: false,
    StorageEncrypted: true,
    ClusterCreateTime: hoursAgo(30),
    DBClusterMembers: [],
    TagList: [],
    ...overrides,
  };
}

const sweep = (kind: 'instance' | 'cluster' = 'instance', dryRun = false, ownStagingId?: string) =>
  sweepRdsStaging(
    {
      client: new RDSClient({ region: REGION }),
      region: REGION,
      system: 'shop',
      source: { kind, id: kind === 'instance' ? 'shop-db' : 'shop-aurora' },
      restoreTimeoutMs: 240 * 60_000,
      ownStagingId,
      now: () => now,
    },
    silentProgress,
    dryRun,
  );

beforeEach(() => rds.reset());

describe('sweepRdsStaging (RDS instances)', () => {
  beforeEach(() => {
    // Two pages, as RDS answers a listing: the Marker of the first asks for the second.
    rds
      .on(DescribeDBInstancesCommand, { MaxRecords: 100 })
      .resolves({
        Marker: 'eyJzdGFydCI6MTAwfQ==',
        DBInstances: [
          dbInstance('shop-db', { InstanceCreateTime: hoursAgo(9000), TagList: [] }),
          dbInstance('analytics-db', {
            InstanceCreateTime: hoursAgo(9000),
            TagList: [{ Key: 'team', Value: 'data' }],
          }),
          dbInstance('drillbook-drill-shop-0a1b2c3d4e', {
            InstanceCreateTime: hoursAgo(30),
            TagList: drillTags(),
          }),
        ],
      })
      .on(DescribeDBInstancesCommand, { MaxRecords: 100, Marker: 'eyJzdGFydCI6MTAwfQ==' })
      .resolves({
        DBInstances: [
          dbInstance('drillbook-drill-shop-young00001', {
            InstanceCreateTime: hoursAgo(1),
            TagList: drillTags(),
          }),
          dbInstance('drillbook-drill-shop-creating01', {
            DBInstanceStatus: 'creating',
            Endpoint: undefined,
            TagList: drillTags(),
          }),
          dbInstance('drillbook-drill-billing-9f8e7d6c5b', {
            InstanceCreateTime: hoursAgo(30),
            TagList: drillTags('billing'),
          }),
          dbInstance('drillbook-drill-shop-prodtagged', {
            InstanceCreateTime: hoursAgo(30),
            TagList: drillTags('shop', 'production'),
          }),
        ],
      });
    rds.on(DeleteDBInstanceCommand).resolves({
      DBInstance: dbInstance('drillbook-drill-shop-0a1b2c3d4e', { DBInstanceStatus: 'deleting' }),
    });
  });

  it('reads every page and deletes only the old drill-tagged staging of this system', async () => {
    const result = await sweep();
    expect(rds.commandCalls(DescribeDBInstancesCommand)).toHaveLength(2);
    expect(rds.commandCalls(DescribeDBClustersCommand)).toHaveLength(0);
    const deletes = rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input);
    expect(deletes).toEqual([
      {
        DBInstanceIdentifier: 'drillbook-drill-shop-0a1b2c3d4e',
        SkipFinalSnapshot: true,
        DeleteAutomatedBackups: true,
      },
    ]);
    expect(result.removed.map((e) => e.id)).toEqual(['drillbook-drill-shop-0a1b2c3d4e']);
    expect(result.removed[0]?.why).toMatch(/older than the longest drill \(6 h\)/);
    expect(result.failed).toEqual([]);
    // Production, other teams' and other systems' instances are not even listed.
    expect(result.left.map((e) => e.id).sort()).toEqual([
      'drillbook-drill-shop-creating01',
      'drillbook-drill-shop-prodtagged',
      'drillbook-drill-shop-young00001',
    ]);
  });

  it('with a dry run, lists the orphan and deletes nothing', async () => {
    const result = await sweep('instance', true);
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(result).toMatchObject({ dryRun: true, removed: [{ id: 'drillbook-drill-shop-0a1b2c3d4e' }] });
  });

  it('reports an orphan RDS refuses to delete as failed, and goes on', async () => {
    rds.on(DeleteDBInstanceCommand).rejects(
      new InvalidDBInstanceStateFault({
        message:
          'Instance drillbook-drill-shop-0a1b2c3d4e is currently creating - a final snapshot cannot be taken.',
        $metadata: { httpStatusCode: 400, requestId: 'r-2', attempts: 1, totalRetryDelay: 0 },
      }),
    );
    const result = await sweep();
    expect(result.removed).toEqual([]);
    expect(result.failed).toEqual([
      expect.objectContaining({
        id: 'drillbook-drill-shop-0a1b2c3d4e',
        detail: expect.stringMatching(/currently creating/),
      }),
    ]);
  });

  it("never sweeps the running drill's own staging (a redelivered first step)", async () => {
    const result = await sweep('instance', false, 'drillbook-drill-shop-0a1b2c3d4e');
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(result.left.find((e) => e.id === 'drillbook-drill-shop-0a1b2c3d4e')?.why).toMatch(/own staging/);
  });
});

describe('sweepRdsStaging (Aurora)', () => {
  it("deletes an old drill cluster's tagged member, then the cluster; leaves the source cluster alone", async () => {
    const orphan = 'drillbook-drill-shop-5e6f7a8b9c';
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        cluster('shop-aurora', {
          ClusterCreateTime: hoursAgo(9000),
          DBClusterMembers: [
            { DBInstanceIdentifier: 'shop-aurora-1', IsClusterWriter: true, PromotionTier: 1 },
          ],
        }),
        cluster(orphan, {
          TagList: drillTags(),
          DBClusterMembers: [
            { DBInstanceIdentifier: `${orphan}-1`, IsClusterWriter: true, PromotionTier: 1 },
          ],
        }),
      ],
    });
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        dbInstance('shop-aurora-1', { Engine: 'aurora-postgresql', DBClusterIdentifier: 'shop-aurora' }),
        dbInstance(`${orphan}-1`, {
          Engine: 'aurora-postgresql',
          DBClusterIdentifier: orphan,
          InstanceCreateTime: hoursAgo(29),
          TagList: drillTags(),
        }),
      ],
    });
    rds.on(DeleteDBInstanceCommand).resolves({});
    rds.on(DeleteDBClusterCommand).resolves({});
    const result = await sweep('cluster');
    expect(
      rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier),
    ).toEqual([`${orphan}-1`]);
    expect(rds.commandCalls(DeleteDBClusterCommand).map((c) => c.args[0].input)).toEqual([
      { DBClusterIdentifier: orphan, SkipFinalSnapshot: true },
    ]);
    expect(result.removed).toEqual([
      expect.objectContaining({ id: orphan, detail: `deleted instance ${orphan}-1 and the cluster` }),
    ]);
    expect(result.left).toEqual([]);
  });
});

describe('RdsRestoreTarget.sweepOrphans', () => {
  it('sweeps with the target’s client and region, with nothing to do in one call', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance('shop-db')] });
    const target = new RdsRestoreTarget({
      system: 'shop',
      source: { kind: 'instance', id: 'shop-db' },
      client: new RDSClient({ region: REGION }),
      staging: {
        environment: 'staging',
        dbSubnetGroupName: 'staging-db',
        vpcSecurityGroupIds: ['sg-0123abcd'],
        dbInstanceClass: 'db.t4g.medium',
      },
      engine: 'aurora-postgresql',
      database: 'shop',
      sslMode: 'no-verify',
      drillKey: 'execution-42',
      restoreTimeoutMs: 1000,
    });
    const result = await target.sweepOrphans(silentProgress);
    expect(result).toEqual({
      where: `rds ${REGION} (system shop)`,
      dryRun: false,
      removed: [],
      left: [],
      failed: [],
    });
    expect(rds.calls()).toHaveLength(1);
  });
});

describe('drillbook cleanup --target aws', () => {
  it('lists with --dry-run, deletes without it, and exits 1 when RDS refuses a delete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-cleanup-aws-'));
    try {
      const config = join(dir, 'drillbook.json');
      writeFileSync(
        config,
        JSON.stringify({
          systems: [
            {
              name: 'shop',
              database: { sourceUrl: 'postgres://app@shop-db.example.internal:5432/shop' },
              aws: {
                region: REGION,
                dbInstanceIdentifier: 'shop-db',
                sourceSecretId: 'shop/db',
                staging: {
                  environment: 'staging',
                  dbSubnetGroupName: 'staging-db',
                  vpcSecurityGroupIds: ['sg-0123abcd'],
                  dbInstanceClass: 'db.t4g.medium',
                },
              },
            },
          ],
        }),
      );
      const orphan = 'drillbook-drill-shop-0a1b2c3d4e';
      rds.on(DescribeDBInstancesCommand).resolves({
        DBInstances: [
          dbInstance('shop-db', { InstanceCreateTime: new Date('2024-01-01T00:00:00Z') }),
          dbInstance(orphan, {
            InstanceCreateTime: new Date(Date.now() - 30 * 3600_000),
            TagList: drillTags(),
          }),
        ],
      });
      const args = ['--target', 'aws', '--config', config];

      const dry = capturedContext();
      expect(await cleanupCommand.run([...args, '--dry-run', '--json'], dry.ctx)).toBe(0);
      expect(JSON.parse(dry.out.join('\n'))).toMatchObject({
        dryRun: true,
        removed: [{ id: orphan }],
        failed: [],
      });
      expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);

      rds.on(DeleteDBInstanceCommand).resolves({});
      const real = capturedContext();
      expect(await cleanupCommand.run(args, real.ctx)).toBe(0);
      expect(real.out.at(-1)).toBe(`rds ${REGION} (system shop): 1 removed, 0 failed, 0 left alone`);
      expect(
        rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier),
      ).toEqual([orphan]);

      rds.on(DeleteDBInstanceCommand).rejects(
        Object.assign(new Error('User is not authorized to perform: rds:DeleteDBInstance'), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        }),
      );
      const refused = capturedContext();
      expect(await cleanupCommand.run(args, refused.ctx)).toBe(1);
      expect(refused.out[0]).toMatch(new RegExp(`^FAILED  ${orphan}: .*not authorized`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
