import {
  CopyDBSnapshotCommand,
  type CopyDBSnapshotCommandInput,
  type DBSnapshot,
  type RDSClientResolvedConfig,
  RDSServiceException,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-rds';
import type { AwsStub } from 'aws-sdk-client-mock';
import { ACCOUNT, snapshotNotFound } from './rdsFixtures.js';

/**
 * CopyDBSnapshot as RDS documents it, for a mocked RDSClient: the copy is made in the region of
 * the client it is sent to; a source in another region is named by its ARN; an encrypted source
 * copied to another region needs KmsKeyId (a key of the destination region: KMS keys do not leave
 * their region), else RDS answers InvalidParameterValue (HTTP 400). The copy starts "pending", its
 * tags copied with CopyTags. `snapshots` are the source region's snapshots the copy can find.
 */
export function copiesLikeRds(
  rds: AwsStub<ServiceInputTypes, ServiceOutputTypes, RDSClientResolvedConfig>,
  snapshots: () => DBSnapshot[],
) {
  rds.on(CopyDBSnapshotCommand).callsFake(async (input: CopyDBSnapshotCommandInput, getClient) => {
    const region = await getClient().config.region();
    const named = input.SourceDBSnapshotIdentifier ?? '';
    const arnRegion = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):\d{12}:snapshot:/.exec(named)?.[1];
    const source = snapshots().find((s) => s.DBSnapshotArn === named || s.DBSnapshotIdentifier === named);
    if (!source || (arnRegion === undefined && !source.DBSnapshotArn?.includes(`:${region}:`))) {
      throw snapshotNotFound(named);
    }
    const sourceRegion = arnRegion ?? region;
    if (source.Encrypted && sourceRegion !== region && !input.KmsKeyId) {
      throw new RDSServiceException({
        name: 'InvalidParameterValue',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, requestId: 'd3e4f5a6-0000-4000-8000-000000000000', attempts: 1 },
        message: `KmsKeyId must be specified to copy the encrypted snapshot ${named} from ${sourceRegion} to ${region}`,
      });
    }
    const id = input.TargetDBSnapshotIdentifier ?? '';
    return {
      DBSnapshot: {
        ...source,
        DBSnapshotIdentifier: id,
        DBSnapshotArn: `arn:aws:rds:${region}:${ACCOUNT}:snapshot:${id}`,
        Status: 'pending',
        PercentProgress: 0,
        SnapshotType: 'manual',
        SourceRegion: sourceRegion,
        SourceDBSnapshotIdentifier: source.DBSnapshotArn,
        Encrypted: source.Encrypted === true || input.KmsKeyId !== undefined,
        KmsKeyId: input.KmsKeyId ?? source.KmsKeyId,
        TagList: input.CopyTags ? source.TagList : (input.Tags ?? []),
      } satisfies DBSnapshot,
    };
  });
}
