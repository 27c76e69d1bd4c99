import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { AwsSystemConfig, RdsSource } from './awsSystemConfig.js';

/** The parameter and option groups a restored copy is created with. Absent: RDS's default for the engine. */
export interface StagingGroups {
  parameterGroup?: string;
  optionGroup?: string;
  /** Aurora: the restored cluster's parameter group. */
  clusterParameterGroup?: string;
}

/**
 * The source's parameter group and option group (Aurora: the cluster parameter group and the
 * writer instance's parameter group), each replaced by the staging config's when it names one. A
 * point-in-time restore otherwise gets the engine's default groups, which lack the source's
 * shared_preload_libraries and raised limits: the copy would not be the database production runs.
 */
export async function sourceGroups(
  client: RDSClient,
  source: RdsSource,
  staging: AwsSystemConfig['staging'],
): Promise<StagingGroups> {
  const found: StagingGroups = {};
  if (source.kind === 'instance') {
    const db = (await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: source.id })))
      ?.DBInstances?.[0];
    const parameterGroup = db?.DBParameterGroups?.[0]?.DBParameterGroupName;
    const optionGroup = db?.OptionGroupMemberships?.[0]?.OptionGroupName;
    if (parameterGroup) found.parameterGroup = parameterGroup;
    if (optionGroup) found.optionGroup = optionGroup;
  } else {
    const cluster = (await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: source.id })))
      ?.DBClusters?.[0];
    if (cluster?.DBClusterParameterGroup) found.clusterParameterGroup = cluster.DBClusterParameterGroup;
    const writer = cluster?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
    if (writer) {
      const db = (await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: writer })))
        ?.DBInstances?.[0];
      const parameterGroup = db?.DBParameterGroups?.[0]?.DBParameterGroupName;
      if (parameterGroup) found.parameterGroup = parameterGroup;
    }
  }
  if (staging.dbParameterGroupName) found.parameterGroup = staging.dbParameterGroupName;
  if (staging.optionGroupName && source.kind === 'instance') found.optionGroup = staging.optionGroupName;
  if (staging.dbClusterParameterGroupName && source.kind === 'cluster')
    found.clusterParameterGroup = staging.dbClusterParameterGroupName;
  return found;
}

/** "parameter group shop-pg15, option group default:postgres-15" for progress lines. */
export function describeGroups(groups: StagingGroups): string {
  const parts = [
    groups.clusterParameterGroup ? `cluster parameter group ${groups.clusterParameterGroup}` : null,
    groups.parameterGroup ? `parameter group ${groups.parameterGroup}` : null,
    groups.optionGroup ? `option group ${groups.optionGroup}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(', ') : "the engine's default groups";
}
