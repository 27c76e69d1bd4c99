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
import type { RdsSource } from './awsSystemConfig.js';
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
  return apiFor(source.kind === 'instance' ? instance : cluster, source.id);
}

/**
 * The instance and cluster snapshot APIs are the same calls under different names: one table
 * each of commands and field names, and one implementation that reads it.
 */
interface Dialect {
  create: RdsCommand;
  describe: RdsCommand;
  delete: RdsCommand;
  copy: RdsCommand;
  describeSource: RdsCommand;
  /** The source's identifier field (DBInstanceIdentifier / DBClusterIdentifier). */
  sourceId: string;
  snapshotId: string;
  snapshotArn: string;
  encrypted: string;
  /** The list field of a Describe*Snapshots answer and of a Describe* (source) answer. */
  snapshots: string;
  sources: string;
  copySourceId: string;
  copyTargetId: string;
}

const instance: Dialect = {
  create: CreateDBSnapshotCommand,
  describe: DescribeDBSnapshotsCommand,
  delete: DeleteDBSnapshotCommand,
  copy: CopyDBSnapshotCommand,
  describeSource: DescribeDBInstancesCommand,
  sourceId: 'DBInstanceIdentifier',
  snapshotId: 'DBSnapshotIdentifier',
  snapshotArn: 'DBSnapshotArn',
  encrypted: 'Encrypted',
  snapshots: 'DBSnapshots',
  sources: 'DBInstances',
  copySourceId: 'SourceDBSnapshotIdentifier',
  copyTargetId: 'TargetDBSnapshotIdentifier',
};

const cluster: Dialect = {
  create: CreateDBClusterSnapshotCommand,
  describe: DescribeDBClusterSnapshotsCommand,
  delete: DeleteDBClusterSnapshotCommand,
  copy: CopyDBClusterSnapshotCommand,
  describeSource: DescribeDBClustersCommand,
  sourceId: 'DBClusterIdentifier',
  snapshotId: 'DBClusterSnapshotIdentifier',
  snapshotArn: 'DBClusterSnapshotArn',
  encrypted: 'StorageEncrypted',
  snapshots: 'DBClusterSnapshots',
  sources: 'DBClusters',
  copySourceId: 'SourceDBClusterSnapshotIdentifier',
  copyTargetId: 'TargetDBClusterSnapshotIdentifier',
};

type Fields = Record<string, unknown>;
/** A command class of @aws-sdk/client-rds (its input and output are read through the table's field names). */
type RdsCommand = new (input: never) => object;

/** Sends the table's command with that input; the answer's fields by name. */
async function call(client: RDSClient, command: RdsCommand, input: Fields): Promise<Fields> {
  const send = client.send.bind(client) as (command: unknown) => Promise<Fields>;
  return send(new command(input as never));
}

function apiFor(d: Dialect, sourceId: string): SnapshotApi {
  const map = (s: Fields): Snapshot => ({
    id: (s[d.snapshotId] as string | undefined) ?? '',
    arn: (s[d.snapshotArn] as string | undefined) ?? '',
    status: (s['Status'] as string | undefined) ?? 'unknown',
    createdAt: (s['SnapshotCreateTime'] as Date | undefined) ?? null,
    allocatedGiB: (s['AllocatedStorage'] as number | undefined) ?? null,
    encrypted: (s[d.encrypted] as boolean | undefined) ?? false,
    tags: (s['TagList'] as Tag[] | undefined) ?? [],
  });
  const snapshotsIn = (out: Fields) => ((out[d.snapshots] as Fields[] | undefined) ?? []).map(map);
  return {
    async create(client, id, tags) {
      await call(client, d.create, { [d.sourceId]: sourceId, [d.snapshotId]: id, Tags: tags });
    },
    async describe(client, id) {
      try {
        return snapshotsIn(await call(client, d.describe, { [d.snapshotId]: id }))[0] ?? null;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    listAll(client) {
      return paginate(async (marker) => {
        const out = await call(client, d.describe, {
          [d.sourceId]: sourceId,
          SnapshotType: 'manual',
          MaxRecords: PAGE,
          Marker: marker,
        });
        return { items: snapshotsIn(out), marker: out['Marker'] as string | undefined };
      });
    },
    async delete(client, id) {
      await call(client, d.delete, { [d.snapshotId]: id });
    },
    async copy(destination, source, targetId, kmsKeyId) {
      await call(destination, d.copy, {
        [d.copySourceId]: source.arn,
        [d.copyTargetId]: targetId,
        CopyTags: true,
        ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
      });
    },
    async recoverability(client) {
      const out = await call(client, d.describeSource, { [d.sourceId]: sourceId });
      const db = (out[d.sources] as Fields[] | undefined)?.[0];
      return {
        backupRetentionDays: (db?.['BackupRetentionPeriod'] as number | undefined) ?? 0,
        latestRestorableTime: (db?.['LatestRestorableTime'] as Date | undefined) ?? null,
      };
    },
    async addTags(client, arn, tags) {
      await client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tags }));
    },
  };
}
