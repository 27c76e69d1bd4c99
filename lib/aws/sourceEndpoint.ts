import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { ConfigError } from '../core/errors.js';
import type { RdsSource } from './awsSystemConfig.js';

/** The writer endpoint of the source instance or cluster. */
export async function sourceEndpoint(
  rds: RDSClient,
  source: RdsSource,
): Promise<{ host: string; port: number }> {
  if (source.kind === 'instance') {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: source.id }));
    const endpoint = out.DBInstances?.[0]?.Endpoint;
    if (!endpoint?.Address)
      throw new ConfigError('aws.dbInstanceIdentifier', `${source.id} has no endpoint yet`);
    return { host: endpoint.Address, port: endpoint.Port ?? 5432 };
  }
  const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: source.id }));
  const cluster = out.DBClusters?.[0];
  if (!cluster?.Endpoint)
    throw new ConfigError('aws.dbClusterIdentifier', `${source.id} has no endpoint yet`);
  return { host: cluster.Endpoint, port: cluster.Port ?? 5432 };
}
