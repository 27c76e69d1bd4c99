import { createHash } from 'node:crypto';
import {
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  type RDSClient,
  RebootDBInstanceCommand,
  RestoreDBClusterToPointInTimeCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { BackupError, GuardError, RecoveryError } from '../core/errors.js';
import type { OrphanSweep } from '../core/orphans.js';
import type { Check } from '../core/report.js';
import { slug } from '../core/report.js';
import { waitFor } from '../core/wait.js';
import type {
  BackupRecord,
  PollableRestoreTarget,
  Progress,
  RecoveryTarget,
  StagingHandle,
} from '../ports.js';
import type { AwsSystemConfig, RdsSource } from './awsSystemConfig.js';
import { describeGroups, sourceGroups } from './rdsGroups.js';
import { sweepRdsStaging } from './rdsOrphanSweep.js';
import {
  assertDrillStaging,
  DRILL_STAGING_PREFIX,
  deleteStagingCluster,
  deleteStagingInstance,
} from './rdsStaging.js';
import { postgresUrl } from './secrets.js';
import { assertStagingIsNotSource } from './stagingEndpointGuard.js';
import { TAG, type Tag } from './tags.js';

export interface RdsRestoreTargetOptions {
  system: string;
  source: RdsSource;
  client: RDSClient;
  staging: AwsSystemConfig['staging'];
  /** Aurora: engine of the instance created in the restored cluster. */
  engine: string;
  database: string;
  sslMode: AwsSystemConfig['sslMode'];
  /**
   * What makes this drill's staging identifier: the state machine's execution name, so a
   * redelivered step finds the instance it already started instead of restoring a second one.
   */
  drillKey: string;
  /** The deployment stage (DRILLBOOK_STAGE): in the staging id and its tags; the sweep keeps to it. */
  stage?: string | undefined;
  /** Limit of the blocking recoverToManifest() (the state machine polls instead). */
  restoreTimeoutMs: number;
  pollIntervalMs?: number;
}

const FAILED = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'inaccessible-encryption-credentials',
  'storage-full',
  'deleting',
]);

const notFound = (error: unknown, ...names: string[]) =>
  names.includes((error as { name?: string }).name ?? '');

/**
 * Restores drills into STAGING on RDS: a point-in-time restore of the source to the manifest's
 * held second (RestoreDBInstanceToPointInTime, or RestoreDBClusterToPointInTime plus one instance
 * for Aurora) into the staging subnet group and security groups, tagged as a drill. RDS cannot
 * pause replay and continue, so the restore lands on the manifest's point directly and
 * rollForward is a no-op: RPO is measured at that point. Teardown deletes only drill-tagged resources.
 */
/** The staging instance or cluster as drillbook sees it. */
interface StagingView {
  status: string;
  tags: Tag[];
  groups: Array<{ kind: string; name: string; status: string }>;
  host?: string;
  port?: number;
}

export class RdsRestoreTarget implements PollableRestoreTarget {
  readonly stagingId: string;
  /** The groups seen when recovery finished (for recoveryChecks, in the same step). */
  private lastGroups: StagingView['groups'] | undefined;

  constructor(private readonly options: RdsRestoreTargetOptions) {
    if (options.staging.environment !== 'staging') {
      throw new GuardError('aws.staging.environment must be "staging": drills only restore into staging');
    }
    const hash = createHash('sha256')
      .update(`${options.stage ?? ''}\n${options.system}\n${options.drillKey}`)
      .digest('hex')
      .slice(0, 10);
    // Stage and system in the name (a staging stack's drills are told from production's at a
    // glance); RDS identifiers stop at 63 characters: 16 + 12 + 1 + 20 + 1 + 10 at most.
    const scope = options.stage
      ? `${slug(options.stage).slice(0, 12)}-${slug(options.system).slice(0, 20)}`
      : slug(options.system).slice(0, 28);
    this.stagingId = `${DRILL_STAGING_PREFIX}${scope}-${hash}`.replace(/-+/g, '-');
    if (this.stagingId === options.source.id)
      throw new GuardError('the staging identifier equals the source');
  }

  private tags(backup: BackupRecord): Tag[] {
    return [
      { Key: TAG.drill, Value: 'true' },
      { Key: TAG.environment, Value: 'staging' },
      { Key: TAG.system, Value: this.options.system },
      { Key: TAG.backupId, Value: backup.id },
      { Key: TAG.drillId, Value: this.options.drillKey.slice(0, 250) },
      ...(this.options.stage ? [{ Key: TAG.stage, Value: this.options.stage }] : []),
    ];
  }

  private get memberId(): string {
    return `${this.stagingId}-1`;
  }

  recoveryPointFor(backup: BackupRecord, _target: RecoveryTarget): Date | null {
    const point = backup.manifest?.restorePoint?.time ?? backup.manifest?.capturedAt;
    return point ? new Date(point) : null;
  }

  async provision(backup: BackupRecord, progress: Progress, _signal: AbortSignal): Promise<StagingHandle> {
    const point = this.recoveryPointFor(backup, { time: null });
    if (!point) throw new BackupError(`backup ${backup.id} has no manifest point to restore to`);
    const handle: StagingHandle = { id: this.stagingId, connectionString: '' };
    const existing = await this.describe();
    if (existing) {
      this.assertDrillTags(existing.tags, this.stagingId);
      progress.step(`staging ${this.stagingId} already exists (${existing.status}): reusing it`);
      return handle;
    }
    const { staging, client, source } = this.options;
    // The copy runs with the source's parameter and option groups (or configured staging ones):
    // its limits, preloaded libraries and extensions are production's.
    const groups = await sourceGroups(client, source, staging);
    progress.step(
      `restoring ${source.kind} ${source.id} to ${point.toISOString()} as ${this.stagingId} (staging network, ${describeGroups(groups)})`,
    );
    try {
      if (source.kind === 'instance') {
        await client.send(
          new RestoreDBInstanceToPointInTimeCommand({
            SourceDBInstanceIdentifier: source.id,
            TargetDBInstanceIdentifier: this.stagingId,
            RestoreTime: point,
            DBSubnetGroupName: staging.dbSubnetGroupName,
            VpcSecurityGroupIds: staging.vpcSecurityGroupIds,
            DBInstanceClass: staging.dbInstanceClass,
            ...(groups.parameterGroup ? { DBParameterGroupName: groups.parameterGroup } : {}),
            ...(groups.optionGroup ? { OptionGroupName: groups.optionGroup } : {}),
            MultiAZ: false,
            PubliclyAccessible: false,
            DeletionProtection: false,
            AutoMinorVersionUpgrade: false,
            CopyTagsToSnapshot: false,
            Tags: this.tags(backup),
          }),
        );
      } else {
        await client.send(
          new RestoreDBClusterToPointInTimeCommand({
            SourceDBClusterIdentifier: source.id,
            DBClusterIdentifier: this.stagingId,
            RestoreToTime: point,
            DBSubnetGroupName: staging.dbSubnetGroupName,
            ...(groups.clusterParameterGroup
              ? { DBClusterParameterGroupName: groups.clusterParameterGroup }
              : {}),
            VpcSecurityGroupIds: staging.vpcSecurityGroupIds,
            DeletionProtection: false,
            Tags: this.tags(backup),
          }),
        );
      }
    } catch (error) {
      if (!notFound(error, 'DBInstanceAlreadyExistsFault', 'DBClusterAlreadyExistsFault')) throw error;
      const raced = await this.describe();
      if (!raced) throw error;
      this.assertDrillTags(raced.tags, this.stagingId);
    }
    return handle;
  }

  /** The staging instance (or cluster) as drillbook sees it, or null. */
  private async describe(): Promise<StagingView | null> {
    const { client, source } = this.options;
    try {
      if (source.kind === 'instance') {
        const out = await client.send(
          new DescribeDBInstancesCommand({ DBInstanceIdentifier: this.stagingId }),
        );
        const db = out.DBInstances?.[0];
        if (!db) return null;
        return {
          status: db.DBInstanceStatus ?? 'unknown',
          tags: db.TagList ?? [],
          groups: [
            ...(db.DBParameterGroups ?? []).map((g) => ({
              kind: 'parameter group',
              name: g.DBParameterGroupName ?? '?',
              status: g.ParameterApplyStatus ?? 'unknown',
            })),
            ...(db.OptionGroupMemberships ?? []).map((g) => ({
              kind: 'option group',
              name: g.OptionGroupName ?? '?',
              status: g.Status ?? 'unknown',
            })),
          ],
          ...(db.Endpoint?.Address ? { host: db.Endpoint.Address, port: db.Endpoint.Port ?? 5432 } : {}),
        };
      }
      const out = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: this.stagingId }));
      const db = out.DBClusters?.[0];
      if (!db) return null;
      return {
        status: db.Status ?? 'unknown',
        tags: db.TagList ?? [],
        groups: [
          {
            kind: 'cluster parameter group',
            name: db.DBClusterParameterGroup ?? '?',
            status: db.DBClusterMembers?.[0]?.DBClusterParameterGroupStatus ?? 'unknown',
          },
        ],
        ...(db.Endpoint ? { host: db.Endpoint, port: db.Port ?? 5432 } : {}),
      };
    } catch (error) {
      if (notFound(error, 'DBInstanceNotFoundFault', 'DBClusterNotFoundFault')) return null;
      throw error;
    }
  }

  private async describeMember(): Promise<StagingView | null> {
    try {
      const out = await this.options.client.send(
        new DescribeDBInstancesCommand({ DBInstanceIdentifier: this.memberId }),
      );
      const db = out.DBInstances?.[0];
      return db
        ? {
            status: db.DBInstanceStatus ?? 'unknown',
            tags: db.TagList ?? [],
            groups: (db.DBParameterGroups ?? []).map((g) => ({
              kind: 'parameter group',
              name: g.DBParameterGroupName ?? '?',
              status: g.ParameterApplyStatus ?? 'unknown',
            })),
          }
        : null;
    } catch (error) {
      if (notFound(error, 'DBInstanceNotFoundFault')) return null;
      throw error;
    }
  }

  async pollRecovery(handle: StagingHandle): Promise<StagingHandle | null> {
    this.assertOwnHandle(handle);
    const db = await this.describe();
    if (!db) throw new RecoveryError(`staging ${handle.id} is gone`);
    if (FAILED.has(db.status)) throw await this.failure(handle.id, db.status);
    if (db.status !== 'available' || !db.host) return null;
    let instance = db;
    let instanceId = handle.id;
    if (this.options.source.kind === 'cluster') {
      const member = await this.describeMember();
      if (!member) {
        await this.createMember(db.tags);
        return null;
      }
      if (FAILED.has(member.status)) throw await this.failure(this.memberId, member.status);
      if (member.status !== 'available') return null;
      instance = member;
      instanceId = this.memberId;
    }
    // A restore with a custom parameter group comes up "pending-reboot": static settings such as
    // shared_preload_libraries and max_connections apply only after a reboot. Reboot once, wait.
    if (instance.groups.some((g) => g.status === 'pending-reboot')) {
      await this.reboot(instanceId, instance.tags);
      return null;
    }
    if (instance.groups.some((g) => g.status === 'applying')) return null;
    this.lastGroups = [...(instance === db ? [] : db.groups), ...instance.groups];
    return {
      id: handle.id,
      connectionString: postgresUrl(
        { host: db.host, port: db.port ?? 5432 },
        this.options.database,
        null,
        this.options.sslMode,
      ),
    };
  }

  /** The groups the copy runs with, as a check: each named, each applied ("in-sync"). */
  async recoveryChecks(handle: StagingHandle): Promise<Check[]> {
    this.assertOwnHandle(handle);
    const groups = this.lastGroups;
    if (!groups) return [];
    // "in-sync" is the one applied state of parameter groups, cluster parameter groups and option groups.
    const unsynced = groups.filter((g) => g.status !== 'in-sync');
    return [
      {
        name: 'staging-parameter-group',
        outcome: unsynced.length === 0 ? 'passed' : 'failed',
        detail: groups.map((g) => `${g.kind} ${g.name} (${g.status})`).join(', '),
      },
    ];
  }

  /**
   * A failed restore explains itself: RDS's own words from the resource's recent events (e.g.
   * "...incompatible-parameters: max_connections..."), next to its status.
   */
  private async failure(id: string, status: string): Promise<RecoveryError> {
    const kind =
      this.options.source.kind === 'cluster' && id === this.stagingId ? 'db-cluster' : 'db-instance';
    const events = await this.options.client
      .send(
        new DescribeEventsCommand({
          SourceIdentifier: id,
          SourceType: kind,
          Duration: 24 * 60,
          MaxRecords: 100,
        }),
      )
      .then((out) => (out?.Events ?? []).map((e) => e.Message).filter((m): m is string => !!m))
      .catch(() => []);
    const said = events.slice(-3).join(' | ');
    return new RecoveryError(`staging ${id} is ${status}${said ? `: RDS says: ${said}` : ''}`);
  }

  private async reboot(id: string, tags: Tag[]): Promise<void> {
    this.assertDrillTags(tags, id);
    try {
      await this.options.client.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: id }));
    } catch (error) {
      // Already rebooting (a redelivered poll): the next poll sees it.
      if (!notFound(error, 'InvalidDBInstanceStateFault')) throw error;
    }
  }

  private async createMember(tags: Tag[]): Promise<void> {
    this.assertDrillTags(tags, this.stagingId);
    const groups = await sourceGroups(this.options.client, this.options.source, this.options.staging);
    try {
      await this.options.client.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: this.memberId,
          DBClusterIdentifier: this.stagingId,
          Engine: this.options.engine,
          DBInstanceClass: this.options.staging.dbInstanceClass,
          ...(groups.parameterGroup ? { DBParameterGroupName: groups.parameterGroup } : {}),
          PubliclyAccessible: false,
          Tags: tags.filter((t) => t.Key?.startsWith('drillbook:')),
        }),
      );
    } catch (error) {
      if (!notFound(error, 'DBInstanceAlreadyExistsFault')) throw error;
    }
  }

  async recoverToManifest(
    handle: StagingHandle,
    _backup: BackupRecord,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<StagingHandle> {
    progress.step(`waiting for ${handle.id} to become available`);
    return waitFor(
      `staging ${handle.id} to become available`,
      async () => (await this.pollRecovery(handle)) ?? undefined,
      {
        timeoutMs: this.options.restoreTimeoutMs,
        intervalMs: this.options.pollIntervalMs ?? 30_000,
        signal,
      },
    );
  }

  /** RDS cannot continue replay past a restore: the restore already landed on its target. */
  async rollForward(handle: StagingHandle, _target: RecoveryTarget, progress: Progress): Promise<void> {
    progress.step(`${handle.id}: no roll-forward on RDS (restored directly to the manifest's point)`);
  }

  /**
   * Deletes drill-tagged staging of this system that earlier drills left behind (older than the
   * longest allowed drill); never this drill's own.
   */
  async sweepOrphans(progress: Progress, options: { dryRun?: boolean } = {}): Promise<OrphanSweep> {
    const { client, system, source, restoreTimeoutMs } = this.options;
    return sweepRdsStaging(
      {
        client,
        region: await client.config.region(),
        system,
        source,
        restoreTimeoutMs,
        ownStagingId: this.stagingId,
        stage: this.options.stage,
      },
      progress,
      options.dryRun ?? false,
    );
  }

  /**
   * The masking guard: refuses unless the restored resource carries the drill and staging tags
   * and the handle's connection does not reach the source's endpoint (StagingIsSourceError).
   */
  async assertStaging(handle: StagingHandle): Promise<void> {
    this.assertOwnHandle(handle);
    const db = await this.describe();
    if (!db) throw new GuardError(`refusing: staging ${handle.id} not found`);
    this.assertDrillTags(db.tags, handle.id);
    await assertStagingIsNotSource(this.options.client, this.options.source, handle);
  }

  /** Deletes the drill's instance (and Aurora cluster) only when tagged as drill staging. Idempotent. */
  async teardown(handle: StagingHandle, progress: Progress): Promise<void> {
    this.assertOwnHandle(handle);
    const { client, source } = this.options;
    if (source.kind === 'cluster') {
      const member = await this.describeMember();
      if (member && member.status !== 'deleting') {
        this.assertDrillTags(member.tags, this.memberId);
        await this.deleteInstance(this.memberId, progress);
      }
    }
    const db = await this.describe();
    if (!db || db.status === 'deleting') return;
    this.assertDrillTags(db.tags, handle.id);
    if (source.kind === 'instance') {
      await this.deleteInstance(handle.id, progress);
      return;
    }
    progress.step(`deleting staging cluster ${handle.id}`);
    await deleteStagingCluster(client, handle.id);
  }

  private async deleteInstance(id: string, progress: Progress): Promise<void> {
    progress.step(`deleting staging instance ${id}`);
    await deleteStagingInstance(this.options.client, id);
  }

  private assertOwnHandle(handle: StagingHandle): void {
    if (handle.id !== this.stagingId || handle.id === this.options.source.id) {
      throw new GuardError(`refusing: ${handle.id} is not this drill's staging (${this.stagingId})`);
    }
  }

  private assertDrillTags(tags: Tag[], id: string): void {
    assertDrillStaging(tags, id);
  }
}
