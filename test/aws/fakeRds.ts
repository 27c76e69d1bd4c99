import {
  AddTagsToResourceCommand,
  CreateDBSnapshotCommand,
  type DBInstance,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  type DBSnapshot,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBInstanceToPointInTimeCommand,
  type Tag,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { ACCOUNT, dbInstance, dbSnapshot, REGION, snapshotNotFound } from './rdsFixtures.js';

const meta = {
  httpStatusCode: 404,
  requestId: 'f0f0f0f0-0000-4000-8000-000000000000',
  attempts: 1,
  totalRetryDelay: 0,
};

/**
 * A small stateful stand-in for the RDS API (mocked with aws-sdk-client-mock, answering with the
 * real response shapes): snapshots go creating -> available, restored instances creating ->
 * available, deletes are recorded. Every endpoint is the test's real local Postgres.
 */
export class FakeRds {
  readonly rds = mockClient(RDSClient);
  readonly secrets = mockClient(SecretsManagerClient);
  readonly snapshots = new Map<string, { snap: DBSnapshot; describesUntilAvailable: number }>();
  readonly instances = new Map<string, { db: DBInstance; describesUntilAvailable: number }>();
  readonly deleted: string[] = [];
  readonly restores: { id: string; restoreTime: Date | undefined }[] = [];

  constructor(
    private readonly endpoint: { host: string; port: number },
    credential: { username: string; password: string },
    sourceId = 'shop-db',
  ) {
    this.secrets.on(GetSecretValueCommand).resolves({
      ARN: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:shop/db-AbCdEf`,
      Name: 'shop/db',
      VersionId: 'a1b2c3d4-0000-4000-8000-000000000000',
      SecretString: JSON.stringify({ ...credential, engine: 'postgres', port: endpoint.port }),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date('2026-01-01T00:00:00Z'),
    });
    this.instances.set(sourceId, {
      db: dbInstance(sourceId, {
        Endpoint: { Address: endpoint.host, Port: endpoint.port },
        LatestRestorableTime: new Date(Date.now() - 60_000),
      }),
      describesUntilAvailable: 0,
    });
    this.install();
  }

  private readonly failures = new Map<string, { left: number; error: () => Error }>();

  /** The next `count` calls of an operation (e.g. "RestoreDBInstanceToPointInTime") fail with `error()`. */
  failNext(operation: string, count: number, error: () => Error): void {
    this.failures.set(operation, { left: count, error });
  }

  readonly calls: string[] = [];

  private gate<I, O>(operation: string, fn: (input: I) => O): (input: I) => O {
    return (input) => {
      this.calls.push(operation);
      const failure = this.failures.get(operation);
      if (failure && failure.left > 0) {
        failure.left -= 1;
        throw failure.error();
      }
      return fn(input);
    };
  }

  private install(): void {
    this.rds.on(CreateDBSnapshotCommand).callsFake(
      this.gate('CreateDBSnapshot', (input) => {
        const snap = dbSnapshot(input.DBSnapshotIdentifier!, {
          Status: 'creating',
          SnapshotCreateTime: new Date(),
          TagList: input.Tags ?? [],
        });
        this.snapshots.set(input.DBSnapshotIdentifier!, { snap, describesUntilAvailable: 3 });
        return { DBSnapshot: snap };
      }),
    );
    this.rds.on(DescribeDBSnapshotsCommand).callsFake(
      this.gate('DescribeDBSnapshots', (input) => {
        if (input.DBSnapshotIdentifier) {
          const entry = this.snapshots.get(input.DBSnapshotIdentifier);
          if (!entry) throw snapshotNotFound(input.DBSnapshotIdentifier);
          if (entry.describesUntilAvailable > 0 && --entry.describesUntilAvailable === 0)
            entry.snap.Status = 'available';
          return { DBSnapshots: [structuredClone(entry.snap)] };
        }
        return {
          DBSnapshots: [...this.snapshots.values()]
            .filter((e) => e.snap.DBInstanceIdentifier === input.DBInstanceIdentifier)
            .map((e) => structuredClone(e.snap)),
        };
      }),
    );
    this.rds.on(AddTagsToResourceCommand).callsFake(
      this.gate('AddTagsToResource', (input) => {
        const entry = [...this.snapshots.values()].find((e) => e.snap.DBSnapshotArn === input.ResourceName);
        if (entry) entry.snap.TagList = mergeTags(entry.snap.TagList ?? [], input.Tags ?? []);
        return {};
      }),
    );
    this.rds.on(DeleteDBSnapshotCommand).callsFake(
      this.gate('DeleteDBSnapshot', (input) => {
        this.snapshots.delete(input.DBSnapshotIdentifier!);
        this.deleted.push(`snapshot:${input.DBSnapshotIdentifier}`);
        return {};
      }),
    );
    this.rds.on(DescribeDBInstancesCommand).callsFake(
      this.gate('DescribeDBInstances', (input) => {
        if (!input.DBInstanceIdentifier) {
          // A listing: pages of MaxRecords (default 100), the next page's Marker while more remain.
          const all = [...this.instances.values()].map((e) => structuredClone(e.db));
          const from = input.Marker ? Number(input.Marker) : 0;
          const to = from + (input.MaxRecords ?? 100);
          return { DBInstances: all.slice(from, to), ...(to < all.length ? { Marker: String(to) } : {}) };
        }
        const entry = this.instances.get(input.DBInstanceIdentifier);
        if (!entry) {
          throw new DBInstanceNotFoundFault({
            message: `DBInstance ${input.DBInstanceIdentifier} not found.`,
            $metadata: meta,
          });
        }
        if (entry.describesUntilAvailable > 0 && --entry.describesUntilAvailable === 0) {
          entry.db.DBInstanceStatus = 'available';
          entry.db.Endpoint = { Address: this.endpoint.host, Port: this.endpoint.port };
        }
        return { DBInstances: [structuredClone(entry.db)] };
      }),
    );
    this.rds.on(RestoreDBInstanceToPointInTimeCommand).callsFake(
      this.gate('RestoreDBInstanceToPointInTime', (input) => {
        const id = input.TargetDBInstanceIdentifier!;
        if (this.instances.has(id)) {
          throw new DBInstanceAlreadyExistsFault({
            message: 'DB instance already exists',
            $metadata: { ...meta, httpStatusCode: 400 },
          });
        }
        this.restores.push({ id, restoreTime: input.RestoreTime });
        const db = dbInstance(id, {
          DBInstanceStatus: 'creating',
          DBInstanceClass: input.DBInstanceClass,
          Endpoint: undefined,
          TagList: input.Tags ?? [],
          DBSubnetGroup: { DBSubnetGroupName: input.DBSubnetGroupName },
          VpcSecurityGroups: (input.VpcSecurityGroupIds ?? []).map((sg: string) => ({
            VpcSecurityGroupId: sg,
            Status: 'active',
          })),
        });
        this.instances.set(id, { db, describesUntilAvailable: 2 });
        return { DBInstance: db };
      }),
    );
    this.rds.on(DeleteDBInstanceCommand).callsFake(
      this.gate('DeleteDBInstance', (input) => {
        const entry = this.instances.get(input.DBInstanceIdentifier!);
        if (!entry) {
          throw new DBInstanceNotFoundFault({
            message: `DBInstance ${input.DBInstanceIdentifier} not found.`,
            $metadata: meta,
          });
        }
        entry.db.DBInstanceStatus = 'deleting';
        this.deleted.push(`db:${input.DBInstanceIdentifier}`);
        return { DBInstance: entry.db };
      }),
    );
  }

  restore(): void {
    this.rds.restore();
    this.secrets.restore();
  }
}

function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const keys = new Set(added.map((t) => t.Key));
  return [...existing.filter((t) => !keys.has(t.Key)), ...added];
}
