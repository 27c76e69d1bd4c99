import {
  type DBCluster,
  type DBInstance,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { describeError } from '../core/errors.js';
import {
  emptySweep,
  judgeRdsStaging,
  longestDrillMs,
  type OrphanSweep,
  type RdsStagingResource,
  type RdsSweepContext,
} from '../core/orphans.js';
import type { Progress } from '../ports.js';
import type { RdsSource } from './awsSystemConfig.js';
import { paginate } from './paging.js';
import {
  assertDrillStaging,
  DRILL_STAGING_PREFIX,
  deleteStagingCluster,
  deleteStagingInstance,
} from './rdsStaging.js';
import { TAG, type Tag } from './tags.js';

export { DRILL_STAGING_PREFIX };

export interface RdsSweepOptions {
  client: RDSClient;
  region: string;
  system: string;
  source: RdsSource;
  /** waits.restoreTimeoutMinutes in ms: the one long wait of an RDS drill. */
  restoreTimeoutMs: number;
  /** The running drill's own staging identifier, never swept. */
  ownStagingId?: string | undefined;
  /** The deployment stage: only staging tagged with it (or, without a stage, with none) is swept. */
  stage?: string | undefined;
  now?: () => Date;
}

const PAGE = 100;

function tagMap(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
}

function instanceResource(db: DBInstance): RdsStagingResource {
  return {
    id: db.DBInstanceIdentifier ?? '',
    kind: 'instance',
    tags: tagMap(db.TagList),
    status: db.DBInstanceStatus ?? 'unknown',
    createdAt: db.InstanceCreateTime ?? null,
  };
}

function clusterResource(db: DBCluster): RdsStagingResource {
  return {
    id: db.DBClusterIdentifier ?? '',
    kind: 'cluster',
    tags: tagMap(db.TagList),
    status: db.Status ?? 'unknown',
    createdAt: db.ClusterCreateTime ?? null,
  };
}

function allInstances(client: RDSClient): Promise<DBInstance[]> {
  return paginate(async (marker) => {
    const page = await client.send(
      new DescribeDBInstancesCommand({ MaxRecords: PAGE, ...(marker ? { Marker: marker } : {}) }),
    );
    return { items: page.DBInstances ?? [], marker: page.Marker };
  });
}

function allClusters(client: RDSClient): Promise<DBCluster[]> {
  return paginate(async (marker) => {
    const page = await client.send(
      new DescribeDBClustersCommand({ MaxRecords: PAGE, ...(marker ? { Marker: marker } : {}) }),
    );
    return { items: page.DBClusters ?? [], marker: page.Marker };
  });
}

/**
 * Finds drill staging of this system that outlived the longest allowed drill (RDS has no owner to
 * ask: a drill that died before its teardown leaves a tagged instance or cluster behind) and
 * deletes it, with the same tag guard as teardown. Instances and clusters are listed page by page
 * (Marker); an Aurora cluster's drill-tagged members are deleted first, then the cluster. Anything
 * not drill-tagged for this system is not even mentioned.
 */
export async function sweepRdsStaging(
  options: RdsSweepOptions,
  progress: Progress,
  dryRun = false,
): Promise<OrphanSweep> {
  const { client, source } = options;
  const sweep = emptySweep(`rds ${options.region} (system ${options.system})`, dryRun);
  const ctx: RdsSweepContext = {
    system: options.system,
    tagKeys: { drill: TAG.drill, environment: TAG.environment, system: TAG.system, stage: TAG.stage },
    stage: options.stage,
    idPrefix: DRILL_STAGING_PREFIX,
    protectedIds: [source.id, ...(options.ownStagingId ? [options.ownStagingId] : [])],
    now: (options.now ?? (() => new Date()))(),
    limitMs: longestDrillMs({ provisionMs: 0, recoveryWaitsMs: options.restoreTimeoutMs }),
  };
  const instances = await allInstances(client);
  const clusters = source.kind === 'cluster' ? await allClusters(client) : [];
  const members = new Set(
    clusters.flatMap((c) => (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier)),
  );
  const byId = new Map(instances.map((db) => [db.DBInstanceIdentifier, db]));

  const judged: { resource: RdsStagingResource; cluster?: DBCluster }[] = [
    ...clusters.map((c) => ({ resource: clusterResource(c), cluster: c })),
    // An Aurora member goes with its cluster; a lone instance is judged on its own.
    ...instances
      .filter((db) => !members.has(db.DBInstanceIdentifier))
      .map((db) => ({ resource: instanceResource(db) })),
  ];
  for (const { resource, cluster } of judged) {
    const verdict = judgeRdsStaging(resource, ctx);
    if (!verdict) continue;
    if (!verdict.orphan) {
      sweep.left.push({ id: resource.id, why: verdict.why });
      continue;
    }
    if (dryRun) {
      sweep.removed.push({
        id: resource.id,
        why: verdict.why,
        detail: `${resource.kind} ${resource.status}`,
      });
      continue;
    }
    try {
      progress.step(`orphaned drill staging ${resource.id}: ${verdict.why}; deleting it`);
      if (cluster) {
        const deleted: string[] = [];
        for (const m of cluster.DBClusterMembers ?? []) {
          const id = m.DBInstanceIdentifier;
          const member = id ? byId.get(id) : undefined;
          if (!id || !member || member.DBInstanceStatus === 'deleting') continue;
          assertDrillStaging(member.TagList, id);
          await deleteStagingInstance(client, id);
          deleted.push(id);
        }
        assertDrillStaging(cluster.TagList, resource.id);
        await deleteStagingCluster(client, resource.id);
        const what = deleted.length
          ? `deleted instance ${deleted.join(', ')} and the cluster`
          : 'deleted the cluster';
        sweep.removed.push({ id: resource.id, why: verdict.why, detail: what });
      } else {
        assertDrillStaging(byId.get(resource.id)?.TagList, resource.id);
        await deleteStagingInstance(client, resource.id);
        sweep.removed.push({ id: resource.id, why: verdict.why, detail: 'deletion started' });
      }
    } catch (error) {
      sweep.failed.push({ id: resource.id, why: verdict.why, detail: describeError(error) });
    }
  }
  return sweep;
}
