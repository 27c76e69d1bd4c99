import {
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RdsSource } from './config.js';
import { paginate } from './paging.js';
import type { Tag } from './tags.js';

/** One manual snapshot of an RDS instance or Aurora cluster, in one shape. */
export interface Snapshot {
  id: string;
  arn: string;
  status: string;
  createdAt: Date | null;
  allocatedGiB: number | null;
  encrypted: boolean;
  tags: Tag[];
}

/** PITR facts of the source. */
export interface SourceRecoverability {
  backupRetentionDays: number;
  latestRestorableTime: Date | null;
}

/** The calls drillbook makes on snapshots, for an instance or a cluster source. */
export interface SnapshotApi {
  create(client: RDSClient, id: string, tags: Tag[]): Promise<void>;
  describe(client: RDSClient, id: string): Promise<Snapshot | null>;
  /** Every manual snapshot of the source, through all pages. */
  listAll(client: RDSClient): Promise<Snapshot[]>;
  delete(client: RDSClient, id: string): Promise<void>;
  /** Copies into the destination client's region (source given by ARN; the API is called there). */
  copy(destination: RDSClient, source: Snapshot, targetId: string, kmsKeyId?: string): Promise<void>;
  recoverability(client: RDSClient): Promise<SourceRecoverability>;
  addTags(client: RDSClient, arn: string, tags: Tag[]): Promise<void>;
}

/** Page size for Describe* calls (the API allows 20-100). */
const PAGE = 100;

const isNotFound = (error: unknown) =>
  (error as { name?: string }).name === 'DBSnapshotNotFoundFault' ||
  (error as { name?: string }).name === 'DBClusterSnapshotNotFoundFault';

export function snapshotApi(source: RdsSource): SnapshotApi {
  return source.kind === 'instance' ? instanceApi(source.id) : clusterApi(source.id);
}

function instanceApi(instanceId: string): SnapshotApi {
  const map = (s: {
    DBSnapshotIdentifier?: string | undefined;
    DBSnapshotArn?: string | undefined;
    Status?: string | undefined;
    SnapshotCreateTime?: Date | undefined;
    AllocatedStorage?: number | undefined;
    Encrypted?: boolean | undefined;
    TagList?: Tag[] | undefined;
  }): Snapshot => ({
    id: s.DBSnapshotIdentifier ?? '',
    arn: s.DBSnapshotArn ?? '',
    status: s.Status ?? 'unknown',
    createdAt: s.SnapshotCreateTime ?? null,
    allocatedGiB: s.AllocatedStorage ?? null,
    encrypted: s.Encrypted ?? false,
    tags: s.TagList ?? [],
  });
  return {
    async create(client, id, tags) {
      await client.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: instanceId,
          DBSnapshotIdentifier: id,
          Tags: tags,
        }),
      );
    },
    async describe(client, id) {
      try {
        const out = await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
        const found = out.DBSnapshots?.[0];
        return found ? map(found) : null;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    listAll(client) {
      return paginate(async (marker) => {
        const out = await client.send(
          new DescribeDBSnapshotsCommand({
            DBInstanceIdentifier: instanceId,
            SnapshotType: 'manual',
            MaxRecords: PAGE,
            Marker: marker,
          }),
        );
        return { items: (out.DBSnapshots ?? []).map(map), marker: out.Marker };
      });
    },
    async delete(client, id) {
      await client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id }));
    },
    async copy(destination, source, targetId, kmsKeyId) {
      await destination.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: source.arn,
          TargetDBSnapshotIdentifier: targetId,
          CopyTags: true,
          ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
        }),
      );
    },
    async recoverability(client) {
      const out = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
      const db = out.DBInstances?.[0];
      return {
        backupRetentionDays: db?.BackupRetentionPeriod ?? 0,
        latestRestorableTime: db?.LatestRestorableTime ?? null,
      };
    },
    async addTags(client, arn, tags) {
      await client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tags }));
    },
  };
}

function clusterApi(clusterId: string): SnapshotApi {
  const map = (s: {
    DBClusterSnapshotIdentifier?: string | undefined;
    DBClusterSnapshotArn?: string | undefined;
    Status?: string | undefined;
    SnapshotCreateTime?: Date | undefined;
    AllocatedStorage?: number | undefined;
    StorageEncrypted?: boolean | undefined;
    TagList?: Tag[] | undefined;
  }): Snapshot => ({
    id: s.DBClusterSnapshotIdentifier ?? '',
    arn: s.DBClusterSnapshotArn ?? '',
    status: s.Status ?? 'unknown',
    createdAt: s.SnapshotCreateTime ?? null,
    allocatedGiB: s.AllocatedStorage ?? null,
    encrypted: s.StorageEncrypted ?? false,
    tags: s.TagList ?? [],
  });
  return {
    async create(client, id, tags) {
      await client.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: clusterId,
          DBClusterSnapshotIdentifier: id,
          Tags: tags,
        }),
      );
    },
    async describe(client, id) {
      try {
        const out = await client.send(
          new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }),
        );
        const found = out.DBClusterSnapshots?.[0];
        return found ? map(found) : null;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    listAll(client) {
      return paginate(async (marker) => {
        const out = await client.send(
          new DescribeDBClusterSnapshotsCommand({
            DBClusterIdentifier: clusterId,
            SnapshotType: 'manual',
            MaxRecords: PAGE,
            Marker: marker,
          }),
        );
        return { items: (out.DBClusterSnapshots ?? []).map(map), marker: out.Marker };
      });
    },
    async delete(client, id) {
      await client.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id }));
    },
    async copy(destination, source, targetId, kmsKeyId) {
      await destination.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: source.arn,
          TargetDBClusterSnapshotIdentifier: targetId,
          CopyTags: true,
          ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
        }),
      );
    },
    async recoverability(client) {
      const out = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
      const db = out.DBClusters?.[0];
      return {
        backupRetentionDays: db?.BackupRetentionPeriod ?? 0,
        latestRestorableTime: db?.LatestRestorableTime ?? null,
      };
    },
    async addTags(client, arn, tags) {
      await client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tags }));
    },
  };
}
