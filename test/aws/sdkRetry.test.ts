import { Readable } from 'node:stream';
import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { createClient, sdkRetry } from '../../lib/aws/clients.js';
import { asStepError, isTransientAwsError, TransientAwsError } from '../../lib/aws/retry.js';

/**
 * The real SDK retry middleware (adaptive mode, bounded attempts) against RDS's own XML
 * responses: a fake HTTP handler answers "Rate exceeded" (Throttling) before the real answer.
 */
const NS = 'http://rds.amazonaws.com/doc/2014-10-31/';
const throttlingXml = `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>7d1c4b6e-1111-4a4a-8b8b-000000000001</RequestId></ErrorResponse>`;
const snapshotsXml = `<DescribeDBSnapshotsResponse xmlns="${NS}"><DescribeDBSnapshotsResult><DBSnapshots><DBSnapshot><DBSnapshotIdentifier>drillbook-shop-20261120</DBSnapshotIdentifier><DBInstanceIdentifier>shop-db</DBInstanceIdentifier><SnapshotCreateTime>2026-11-20T02:00:00.123Z</SnapshotCreateTime><Engine>postgres</Engine><AllocatedStorage>20</AllocatedStorage><Status>available</Status><SnapshotType>manual</SnapshotType><Encrypted>true</Encrypted><DBSnapshotArn>arn:aws:rds:eu-west-1:123456789012:snapshot:drillbook-shop-20261120</DBSnapshotArn><TagList><Tag><Key>drillbook:managed</Key><Value>true</Value></Tag></TagList></DBSnapshot></DBSnapshots></DescribeDBSnapshotsResult><ResponseMetadata><RequestId>7d1c4b6e-1111-4a4a-8b8b-000000000002</RequestId></ResponseMetadata></DescribeDBSnapshotsResponse>`;

function scriptedHandler(statuses: number[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    handler: {
      async handle() {
        const status = statuses[Math.min(calls, statuses.length - 1)]!;
        calls += 1;
        return {
          response: {
            statusCode: status,
            headers: { 'content-type': 'text/xml', 'x-amzn-requestid': `req-${calls}` },
            body: Readable.from([Buffer.from(status === 200 ? snapshotsXml : throttlingXml)]),
          },
        };
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
    },
  };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-for-tests-only' };

describe('SDK retries on throttling', () => {
  it('retries "Rate exceeded" with adaptive backoff and returns the answer', async () => {
    const script = scriptedHandler([400, 400, 200]);
    const client = createClient(RDSClient, {
      region: 'eu-west-1',
      extra: { credentials, requestHandler: script.handler as never },
    });
    const out = await client.send(
      new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'drillbook-shop-20261120' }),
    );
    expect(script.calls).toBe(3);
    expect(out.DBSnapshots?.[0]?.Status).toBe('available');
    expect(out.DBSnapshots?.[0]?.TagList).toEqual([{ Key: 'drillbook:managed', Value: 'true' }]);
    expect(out.$metadata.attempts).toBe(3);
  });

  it('gives up after maxAttempts and surfaces a throttling error the state machine retries', async () => {
    const script = scriptedHandler([400]);
    const client = createClient(RDSClient, {
      region: 'eu-west-1',
      extra: { credentials, requestHandler: script.handler as never },
    });
    const error = await client.send(new DescribeDBSnapshotsCommand({})).catch((e: unknown) => e);
    expect(script.calls).toBe(sdkRetry.maxAttempts);
    expect((error as Error).name).toBe('Throttling');
    expect(isTransientAwsError(error)).toBe(true);
    const stepError = asStepError(error);
    expect(stepError).toBeInstanceOf(TransientAwsError);
    expect((stepError as Error).name).toBe('TransientAwsError');
  }, 60_000);

  it('leaves a non-transient error as it is', () => {
    const notFound = Object.assign(new Error('DBSnapshot x not found.'), {
      name: 'DBSnapshotNotFoundFault',
      $metadata: { httpStatusCode: 404 },
    });
    expect(isTransientAwsError(notFound)).toBe(false);
    expect(asStepError(notFound)).toBe(notFound);
  });
});
