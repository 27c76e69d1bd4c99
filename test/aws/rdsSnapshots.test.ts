import {
  AddTagsToResourceCommand,
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dailyBackupId } from '../../lib/aws/backup/backupShared.js';
import type { ManifestStore } from '../../lib/aws/manifestStore.js';
import { RdsSnapshots } from '../../lib/aws/rdsSnapshots.js';
import { AwsQuotaError } from '../../lib/aws/retry.js';
import { GuardError } from '../../lib/core/errors.js';
import type { Manifest } from '../../lib/core/manifest.js';
import { silentProgress } from '../../lib/ports.js';
import { copiesLikeRds } from './copySnapshotLikeRds.js';
import {
  alreadyExists,
  dbInstance,
  dbSnapshot,
  quotaExceeded,
  REGION,
  snapshotNotFound,
} from './rdsFixtures.js';

const rds = mockClient(RDSClient);
const offsiteRds = new RDSClient({ region: 'eu-central-1' });

class MemoryManifests implements ManifestStore {
  readonly saved = new Map<string, Manifest>();
  async put(system: string, id: string, manifest: Manifest) {
    this.saved.set(`${system}/${id}`, manifest);
  }
  async get(system: string, id: string) {
    return this.saved.get(`${system}/${id}`) ?? null;
  }
}

const OFFSITE_KEY = 'arn:aws:kms:eu-central-1:123456789012:key/3333-4444';

function repo(
  manifests = new MemoryManifests(),
  offsite = false,
  stage?: string,
  /** The offsite region's key; null: none configured. */
  kmsKeyId: string | null = OFFSITE_KEY,
) {
  return new RdsSnapshots({
    system: 'shop',
    stage,
    source: { kind: 'instance', id: 'shop-db' },
    region: REGION,
    client: new RDSClient({ region: REGION }),
    manifests,
    offsite: offsite
      ? { region: 'eu-central-1', client: offsiteRds, ...(kmsKeyId ? { kmsKeyId } : {}) }
      : undefined,
    snapshotTimeoutMs: 5_000,
    pollIntervalMs: 1,
  });
}

beforeEach(() => rds.reset());

describe('RdsSnapshots snapshot lifecycle', () => {
  it('creates a tagged snapshot with the deterministic id and reports it ready only once available', async () => {
    const id = 'drillbook-shop-20261120';
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: id })
      .rejectsOnce(snapshotNotFound(id))
      .resolvesOnce({ DBSnapshots: [dbSnapshot(id, { Status: 'creating', PercentProgress: 0 })] })
      .resolvesOnce({ DBSnapshots: [dbSnapshot(id, { Status: 'creating', PercentProgress: 40 })] })
      .resolves({ DBSnapshots: [dbSnapshot(id)] });
    rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: dbSnapshot(id, { Status: 'creating' }) });

    const snapshots = repo();
    const started = await snapshots.start(id, silentProgress);
    expect(started.finishedAt).toBe('');
    expect(await snapshots.poll(id)).toBeNull();
    const done = await snapshots.poll(id);
    expect(done?.location).toBe(`arn:aws:rds:${REGION}:123456789012:snapshot:${id}`);
    expect(done?.sizeBytes).toBe(20 * 1024 ** 3);

    const create = rds.commandCalls(CreateDBSnapshotCommand);
    expect(create).toHaveLength(1);
    expect(create[0]!.args[0].input).toMatchObject({
      DBInstanceIdentifier: 'shop-db',
      DBSnapshotIdentifier: id,
    });
    expect(create[0]!.args[0].input.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'drillbook:managed', Value: 'true' },
        { Key: 'drillbook:system', Value: 'shop' },
      ]),
    );
  });

  it('reuses the snapshot when a redelivered run races into DBSnapshotAlreadyExists', async () => {
    const id = 'drillbook-shop-20261120';
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: id })
      .rejectsOnce(snapshotNotFound(id))
      .resolves({ DBSnapshots: [dbSnapshot(id, { Status: 'creating' })] });
    rds.on(CreateDBSnapshotCommand).rejects(alreadyExists(id));
    const record = await repo().start(id, silentProgress);
    expect(record.id).toBe(id);
    expect(rds.commandCalls(CreateDBSnapshotCommand)).toHaveLength(1);
  });

  it("does not create a second snapshot when the day's snapshot already exists", async () => {
    const id = 'drillbook-shop-20261120';
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: id })
      .resolves({ DBSnapshots: [dbSnapshot(id)] });
    await repo().start(id, silentProgress);
    expect(rds.commandCalls(CreateDBSnapshotCommand)).toHaveLength(0);
  });

  it('refuses to adopt a snapshot with the same id that drillbook did not tag', async () => {
    const id = 'drillbook-shop-20261120';
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot(id, { TagList: [] })] });
    await expect(repo().start(id, silentProgress)).rejects.toBeInstanceOf(GuardError);
  });

  it('reports the snapshot quota clearly instead of retrying it', async () => {
    const id = 'drillbook-shop-20261120';
    rds.on(DescribeDBSnapshotsCommand).rejects(snapshotNotFound(id));
    rds.on(CreateDBSnapshotCommand).rejects(quotaExceeded());
    const error = await repo()
      .start(id, silentProgress)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsQuotaError);
    expect((error as Error).message).toMatch(/snapshot quota exceeded in eu-west-1.*Manual DB snapshots/);
  });

  it('fails the poll when the snapshot ends in a failed state', async () => {
    const id = 'drillbook-shop-20261120';
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot(id, { Status: 'failed' })] });
    await expect(repo().poll(id)).rejects.toThrow(/is failed/);
  });
});

describe('RdsSnapshots scoped to a deployment stage', () => {
  const tagged = (id: string, stage?: string) =>
    dbSnapshot(id, {
      TagList: [
        { Key: 'drillbook:managed', Value: 'true' },
        { Key: 'drillbook:system', Value: 'shop' },
        ...(stage ? [{ Key: 'drillbook:stage', Value: stage }] : []),
      ],
    });

  it('tags a new snapshot with its stage, and the daily id names stage and system', async () => {
    const id = dailyBackupId('shop', new Date('2026-11-20T02:00:00Z'), 'staging');
    expect(id).toBe('drillbook-staging-shop-20261120');
    expect(dailyBackupId('shop', new Date('2026-11-20T02:00:00Z'))).toBe('drillbook-shop-20261120');
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: id })
      .rejectsOnce(snapshotNotFound(id))
      .resolves({ DBSnapshots: [dbSnapshot(id, { Status: 'creating' })] });
    rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: dbSnapshot(id, { Status: 'creating' }) });
    await repo(new MemoryManifests(), false, 'staging').start(id, silentProgress);
    expect(rds.commandCalls(CreateDBSnapshotCommand)[0]!.args[0].input.Tags).toContainEqual({
      Key: 'drillbook:stage',
      Value: 'staging',
    });
  });

  it("never lists, reuses or deletes another stage's snapshot (nor an untagged older one)", async () => {
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        tagged('drillbook-staging-shop-20261120', 'staging'),
        tagged('drillbook-prod-shop-20261120', 'prod'),
        tagged('drillbook-shop-20261119'),
      ],
    });
    const staging = repo(new MemoryManifests(), false, 'staging');
    expect((await staging.list()).map((r) => r.id)).toEqual(['drillbook-staging-shop-20261120']);
    const prodId = 'drillbook-prod-shop-20261120';
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: prodId }).resolves({
      DBSnapshots: [tagged(prodId, 'prod')],
    });
    const prod = await repo(new MemoryManifests(), false, 'prod').get(prodId);
    expect(prod?.id).toBe(prodId);
    expect(await staging.get(prodId)).toBeNull();
    await expect(staging.remove(prod!)).rejects.toBeInstanceOf(GuardError);
    expect(rds.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });
});

describe('RdsSnapshots listing and retention', () => {
  it("pages through more than 1000 snapshots with Marker and keeps only this system's", async () => {
    const total = 1234;
    const all = Array.from({ length: total }, (_, i) =>
      dbSnapshot(
        `drillbook-shop-${String(i).padStart(5, '0')}`,
        { SnapshotCreateTime: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000) },
        i % 10 === 0 ? 'other' : 'shop',
      ),
    );
    rds.on(DescribeDBSnapshotsCommand).callsFake((input: { Marker?: string; MaxRecords?: number }) => {
      const start = input.Marker ? Number(input.Marker.replace('page-', '')) : 0;
      const size = input.MaxRecords ?? 100;
      const page = all.slice(start, start + size);
      const next = start + size < all.length ? `page-${start + size}` : undefined;
      return { DBSnapshots: page, ...(next ? { Marker: next } : {}) };
    });
    const records = await repo().list();
    expect(rds.commandCalls(DescribeDBSnapshotsCommand)).toHaveLength(Math.ceil(total / 100));
    expect(records).toHaveLength(total - Math.ceil(total / 10));
    expect(records[0]!.takenAt > records.at(-1)!.takenAt).toBe(true);
    for (const call of rds.commandCalls(DescribeDBSnapshotsCommand)) {
      expect(call.args[0].input).toMatchObject({ DBInstanceIdentifier: 'shop-db', SnapshotType: 'manual' });
    }
  });

  it('deletes only drillbook-tagged snapshots of this system, also the offsite copy', async () => {
    const id = 'drillbook-shop-20261001';
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: id })
      .resolves({ DBSnapshots: [dbSnapshot(id)] });
    rds.on(DeleteDBSnapshotCommand).resolves({});
    const snapshots = repo(new MemoryManifests(), true);
    const [record] = [(await snapshots.get(id))!];
    await snapshots.remove(record);
    // One delete in the source region, then one in the offsite region: told apart by the client called.
    const deletes = rds.commandCalls(DeleteDBSnapshotCommand);
    const regions = await Promise.all(deletes.map((c) => (c.thisValue as RDSClient).config.region()));
    expect(regions).toEqual([REGION, 'eu-central-1']);
    expect(deletes[1]!.thisValue).toBe(offsiteRds);
    expect(deletes.map((c) => c.args[0].input)).toEqual([
      { DBSnapshotIdentifier: id },
      { DBSnapshotIdentifier: id },
    ]);

    rds.reset();
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolves({ DBSnapshots: [dbSnapshot('manual-keep', { TagList: [] })] });
    await expect(snapshots.remove({ ...record, id: 'manual-keep' })).rejects.toBeInstanceOf(GuardError);
    expect(rds.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  it('stores the manifest and tags the snapshot with its point', async () => {
    const id = 'drillbook-shop-20261120';
    const manifests = new MemoryManifests();
    rds.on(AddTagsToResourceCommand).resolves({});
    const manifest: Manifest = {
      system: 'shop',
      backupId: id,
      capturedAt: '2026-11-20T02:05:01.000Z',
      postgresVersion: '15.8',
      migrationHead: '0042',
      tables: [{ table: 'public.orders', rows: 3, checksum: '123' }],
      restorePoint: { name: `drillbook-${id}`, lsn: '0/3000060', time: '2026-11-20T02:05:01.000Z' },
    };
    const record = { ...(await recordFor(id)), manifest: null };
    await repo(manifests).attachManifest(record, manifest);
    expect(manifests.saved.get(`shop/${id}`)).toEqual(manifest);
    expect(rds.commandCalls(AddTagsToResourceCommand)[0]!.args[0].input).toEqual({
      ResourceName: record.location,
      Tags: [{ Key: 'drillbook:manifest-point', Value: '2026-11-20T02:05:01.000Z' }],
    });
  });

  it('gives LatestRestorableTime as the newest restorable point, and none when PITR is off', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [dbInstance('shop-db')] })
      .resolves({
        DBInstances: [dbInstance('shop-db', { BackupRetentionPeriod: 0 })],
      });
    expect((await repo().newestRestorablePoint())?.toISOString()).toBe('2026-11-20T09:55:00.000Z');
    expect(await repo().newestRestorablePoint()).toBeNull();
  });

  it('starts the offsite copy once and reports an existing copy instead of copying again', async () => {
    const id = 'drillbook-shop-20261120';
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: id })
      .rejectsOnce(snapshotNotFound(id)) // offsite region: not there yet
      .resolvesOnce({ DBSnapshots: [dbSnapshot(id)] }) // source region
      .resolves({ DBSnapshots: [dbSnapshot(id, { Status: 'copying' })] });
    copiesLikeRds(rds, () => [dbSnapshot(id)]);
    const snapshots = repo(new MemoryManifests(), true);
    const record = await recordFor(id);
    expect((await snapshots.copyOffsite!(record, silentProgress)).outcome).toBe('passed');
    const second = await snapshots.copyOffsite!(record, silentProgress);
    expect(second.detail).toMatch(/copying/);
    const copies = rds.commandCalls(CopyDBSnapshotCommand);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.args[0].input).toEqual({
      SourceDBSnapshotIdentifier: record.location,
      TargetDBSnapshotIdentifier: id,
      CopyTags: true,
      KmsKeyId: OFFSITE_KEY,
    });
    expect(await copies[0]!.returnValue).toMatchObject({
      DBSnapshot: {
        DBSnapshotArn: `arn:aws:rds:eu-central-1:123456789012:snapshot:${id}`,
        SourceRegion: REGION,
      },
    });
  });

  it('fails the offsite copy of an encrypted snapshot without aws.offsite.kmsKeyId, naming the field, and copies nothing', async () => {
    const id = 'drillbook-shop-20261120';
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: id })
      .rejectsOnce(snapshotNotFound(id)) // offsite region: not there yet
      .resolves({ DBSnapshots: [dbSnapshot(id)] });
    copiesLikeRds(rds, () => [dbSnapshot(id)]);
    const snapshots = repo(new MemoryManifests(), true, undefined, null);

    const check = await snapshots.copyOffsite!(await recordFor(id), silentProgress);

    expect(check).toEqual({
      name: 'offsite-copy',
      outcome: 'failed',
      detail: expect.stringMatching(
        /^aws\.offsite\.kmsKeyId: drillbook-shop-20261120 is encrypted, .* eu-central-1 /,
      ),
    });
    expect(rds.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });

  it('copies an unencrypted snapshot offsite without a key', async () => {
    const id = 'drillbook-shop-20261120';
    const plain = dbSnapshot(id, { Encrypted: false, KmsKeyId: undefined });
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: id })
      .rejectsOnce(snapshotNotFound(id))
      .resolves({ DBSnapshots: [plain] });
    copiesLikeRds(rds, () => [plain]);

    const check = await repo(new MemoryManifests(), true, undefined, null).copyOffsite!(
      await recordFor(id),
      silentProgress,
    );

    expect(check).toMatchObject({ name: 'offsite-copy', outcome: 'passed' });
    expect(rds.commandCalls(CopyDBSnapshotCommand)[0]!.args[0].input).not.toHaveProperty('KmsKeyId');
  });
});

async function recordFor(id: string) {
  return {
    id,
    system: 'shop',
    takenAt: '2026-11-20T02:00:00.000Z',
    finishedAt: '2026-11-20T02:00:00.000Z',
    location: `arn:aws:rds:${REGION}:123456789012:snapshot:${id}`,
    sizeBytes: null,
    manifest: null,
  };
}
