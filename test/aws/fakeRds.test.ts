import {
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../lib/pg/connection.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';
import { FakeRds } from './fakeRds.js';
import { dbInstance, REGION } from './rdsFixtures.js';

/**
 * The fake RDS itself: what it answers follows the RDS API (states, errors, paging, filters),
 * and what it restores is a real copy of the source at the time asked for.
 */
cleanupPostgresAfterAll();

let pg: ThrowawayPostgres;
let fake: FakeRds;
const rds = new RDSClient({ region: REGION });
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as Error & { name: string },
  );

beforeAll(async () => {
  pg = await startPostgres();
  await pg.cluster.query('CREATE TABLE public.items (id int PRIMARY KEY)');
  fake = new FakeRds(pg);
});
afterAll(() => fake.close());

const describeInstance = async (id: string) =>
  (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;

describe('fake RDS', () => {
  it('restores a real copy at RestoreTime on its own server: creating, backing-up, available; then deletes it', async () => {
    await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'shop-db', DBSnapshotIdentifier: 'base-1' }),
    );
    await fake.idle();
    await pg.cluster.query('INSERT INTO public.items VALUES (1)');
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await pg.cluster.query('INSERT INTO public.items VALUES (2)');

    const id = 'drillbook-drill-shop-fake000001';
    const restore = (RestoreTime: Date) =>
      rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: 'shop-db',
          TargetDBInstanceIdentifier: id,
          RestoreTime,
        }),
      );
    const started = await restore(between);
    expect(started.DBInstance).toMatchObject({ DBInstanceStatus: 'creating' });
    expect(started.DBInstance?.Endpoint).toBeUndefined();
    expect((await errorOf(restore(between)))?.name).toBe('DBInstanceAlreadyExistsFault');

    const states: string[] = [];
    let db = await describeInstance(id);
    for (let i = 0; i < 2000 && db.DBInstanceStatus !== 'available'; i++) {
      if (states.at(-1) !== db.DBInstanceStatus) states.push(db.DBInstanceStatus!);
      db = await describeInstance(id);
    }
    expect([...states, db.DBInstanceStatus]).toEqual(['creating', 'backing-up', 'available']);
    expect(db.Endpoint?.Port).not.toBe(pg.cluster.port);
    const url = new URL(pg.url());
    url.port = String(db.Endpoint!.Port);
    const rows = await withClient(
      url.toString(),
      async (c) => (await c.query('SELECT id FROM public.items')).rows,
    );
    expect(rows).toEqual([{ id: 1 }]);

    const deleting = await rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true }),
    );
    expect(deleting.DBInstance?.DBInstanceStatus).toBe('deleting');
    const second = await errorOf(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id })));
    expect(second).toMatchObject({ name: 'InvalidDBInstanceStateFault', $metadata: { httpStatusCode: 400 } });
    await fake.idle();
    expect((await errorOf(describeInstance(id)))?.name).toBe('DBInstanceNotFoundFault');
    expect((await errorOf(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id }))))?.name).toBe(
      'DBInstanceNotFoundFault',
    );
    await expect(withClient(url.toString(), (c) => c.query('SELECT 1'))).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a time past LatestRestorableTime, a source without PITR, and deleting the protected source', async () => {
    const restore = (RestoreTime: Date) =>
      rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: 'shop-db',
          TargetDBInstanceIdentifier: 'drillbook-drill-shop-fake000002',
          RestoreTime,
        }),
      );
    const future = await errorOf(restore(new Date(Date.now() + 3_600_000)));
    expect(future).toMatchObject({ name: 'InvalidParameterValue' });
    expect(future?.message).toMatch(/after the latest restorable time/);
    fake.sourceFacts.BackupRetentionPeriod = 0;
    try {
      expect((await errorOf(restore(new Date())))?.name).toBe('PointInTimeRestoreNotEnabledFault');
    } finally {
      fake.sourceFacts.BackupRetentionPeriod = 7;
    }
    const protectedSource = await errorOf(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'shop-db' })),
    );
    expect(protectedSource?.name).toBe('InvalidParameterCombination');
    expect(fake.restores.map((r) => r.id)).not.toContain('drillbook-drill-shop-fake000002');
  });

  it('pages listings by MaxRecords (20-100) and Marker, and filters snapshots by SnapshotType', async () => {
    for (let i = 0; i < 24; i++) fake.addInstance(dbInstance(`other-${String(i).padStart(2, '0')}`));
    const first = await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 20 }));
    expect(first.DBInstances).toHaveLength(20);
    expect(first.Marker).toBeDefined();
    const second = await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 20, Marker: first.Marker }));
    expect(second.Marker).toBeUndefined();
    const ids = [...first.DBInstances!, ...second.DBInstances!].map((d) => d.DBInstanceIdentifier);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('shop-db');
    expect((await errorOf(rds.send(new DescribeDBInstancesCommand({ MaxRecords: 10 }))))?.name).toBe(
      'InvalidParameterValue',
    );

    const automated = await fake.takeAutomatedBackup();
    const list = async (SnapshotType?: string) =>
      (
        (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'shop-db', SnapshotType })))
          .DBSnapshots ?? []
      ).map((s) => s.DBSnapshotIdentifier);
    expect(await list('manual')).toEqual(['base-1']);
    expect(await list('automated')).toEqual([automated]);
    expect(await list()).toEqual(['base-1', automated]);
  });

  it('restores a snapshot as it was taken (RestoreDBInstanceFromDBSnapshot), and names a missing one', async () => {
    const id = 'drillbook-drill-shop-fake000003';
    const missing = await errorOf(
      rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: id,
          DBSnapshotIdentifier: 'nope',
        }),
      ),
    );
    expect(missing?.name).toBe('DBSnapshotNotFoundFault');
    await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: id,
        DBSnapshotIdentifier: 'base-1',
      }),
    );
    await fake.idle();
    const db = await describeInstance(id);
    expect(db.DBInstanceStatus).toBe('backing-up');
    const url = new URL(pg.url());
    url.port = String(db.Endpoint!.Port);
    // base-1 was taken before items 1 and 2 were inserted; the copy is open (promoted).
    const rows = await withClient(url.toString(), async (c) => ({
      items: (await c.query('SELECT id FROM public.items')).rows,
      recovering: (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r,
    }));
    expect(rows).toEqual({ items: [], recovering: false });
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id }));
    await fake.idle();
  });
});
