import { DeleteDBClusterCommand, DeleteDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';
import { GuardError } from '../core/errors.js';
import { TAG, type Tag, tagValue } from './tags.js';

/** Every drill's staging identifier starts so (RdsRestoreTarget; the IAM delete statements match it). */
export const DRILL_STAGING_PREFIX = 'drillbook-drill-';

const named = (error: unknown, name: string) => (error as { name?: string }).name === name;

/** The guard of every delete and change of drill staging: drill and staging tags, or nothing. */
export function assertDrillStaging(tags: readonly Tag[] | undefined, id: string): void {
  if (tagValue(tags, TAG.drill) !== 'true' || tagValue(tags, TAG.environment) !== 'staging') {
    throw new GuardError(
      `refusing to touch ${id}: it is not tagged ${TAG.drill}=true and ${TAG.environment}=staging`,
    );
  }
}

/** Deletes a staging instance (no final snapshot, no automated backups left); gone already is fine. */
export async function deleteStagingInstance(client: RDSClient, id: string): Promise<void> {
  try {
    await client.send(
      new DeleteDBInstanceCommand({
        DBInstanceIdentifier: id,
        SkipFinalSnapshot: true,
        DeleteAutomatedBackups: true,
      }),
    );
  } catch (error) {
    if (!named(error, 'DBInstanceNotFoundFault')) throw error;
  }
}

/** Deletes a staging Aurora cluster (its instances first, by the caller); gone already is fine. */
export async function deleteStagingCluster(client: RDSClient, id: string): Promise<void> {
  try {
    await client.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true }));
  } catch (error) {
    if (!named(error, 'DBClusterNotFoundFault')) throw error;
  }
}
