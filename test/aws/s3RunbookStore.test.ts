import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3RunbookStore } from '../../lib/aws/s3RunbookStore.js';
import { reportKey } from '../../lib/core/report.js';
import { ReportExistsError, RunbookStoreError } from '../../lib/core/reportingErrors.js';
import { failedRestoreDrill, restoreDrill } from '../helpers/sampleReports.js';

const s3 = mockClient(S3Client);
const meta = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'R1',
  extendedRequestId: 'X1',
  attempts: 1,
  totalRetryDelay: 0,
});

/** GetObject's Body: an SDK stream mixin; the store only uses transformToString. */
function body(text: string) {
  return {
    transformToString: async () => text,
    transformToByteArray: async () => new TextEncoder().encode(text),
    transformToWebStream: () => new Blob([text]).stream(),
  } as never;
}

const headNotFound = () => new NotFound({ message: 'UnknownError', $metadata: meta(404) });
const preconditionFailed = () =>
  new S3ServiceException({
    name: 'PreconditionFailed',
    $fault: 'client',
    message: 'At least one of the pre-conditions you specified did not hold',
    $metadata: meta(412),
  });

describe('S3RunbookStore (AWS API mocked)', () => {
  beforeEach(() => s3.reset());

  it('requests SSE-S3 by default and asks S3 not to overwrite the report objects', async () => {
    s3.on(HeadObjectCommand).rejects(headNotFound());
    s3.on(PutObjectCommand).resolves({ ETag: '"abc"', ServerSideEncryption: 'AES256', $metadata: meta(200) });
    const store = new S3RunbookStore({
      bucket: 'rb',
      prefix: 'p/',
      client: new S3Client({ region: 'eu-west-1' }),
    });
    const report = restoreDrill();
    await store.putReport(report, '# md');
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Key)).toEqual([`p/${reportKey(report)}.md`, `p/${reportKey(report)}.json`]);
    for (const put of puts) {
      expect(put).toMatchObject({ Bucket: 'rb', ServerSideEncryption: 'AES256', IfNoneMatch: '*' });
      expect(put.SSEKMSKeyId).toBeUndefined();
    }
    expect(JSON.parse(String(puts[1]?.Body))).toEqual(report);
  });

  it('requests aws:kms with the configured key, also for RUNBOOK.md and extra files', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"abc"', $metadata: meta(200) });
    const store = new S3RunbookStore({
      bucket: 'rb',
      kmsKeyId: 'alias/drillbook',
      client: new S3Client({ region: 'eu-west-1' }),
    });
    await store.writeRunbook('# Runbook');
    await store.putFile('reports/x.html', '<html>', 'text/html');
    for (const call of s3.commandCalls(PutObjectCommand)) {
      expect(call.args[0].input).toMatchObject({
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alias/drillbook',
      });
    }
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      'drillbook/RUNBOOK.md',
      'drillbook/reports/x.html',
    ]);
  });

  it('turns a 412 PreconditionFailed on the JSON (a concurrent writer won) into ReportExistsError', async () => {
    s3.on(HeadObjectCommand).rejects(headNotFound());
    s3.on(PutObjectCommand, { Key: `drillbook/${reportKey(restoreDrill())}.md` }).resolves({
      $metadata: meta(200),
    });
    s3.on(PutObjectCommand, { Key: `drillbook/${reportKey(restoreDrill())}.json` }).rejects(
      preconditionFailed(),
    );
    // What the other writer stored: a different run under the same id.
    s3.on(GetObjectCommand).resolves({
      Body: body(JSON.stringify({ ...restoreDrill(), outcome: 'failed' }, null, 2)),
      $metadata: meta(200),
    });
    const store = new S3RunbookStore({ bucket: 'rb', client: new S3Client({ region: 'eu-west-1' }) });
    const error = await store.putReport(restoreDrill(), 'md').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportExistsError);
    expect((error as Error).message).toContain(`s3://rb/drillbook/${reportKey(restoreDrill())}.json`);
  });

  it('refuses before writing anything when HeadObject finds a different report under the id', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 10, ETag: '"e"', $metadata: meta(200) });
    s3.on(GetObjectCommand).resolves({
      Body: body(JSON.stringify(failedRestoreDrill())),
      $metadata: meta(200),
    });
    const store = new S3RunbookStore({ bucket: 'rb', client: new S3Client({ region: 'eu-west-1' }) });
    await expect(store.putReport(restoreDrill(), 'md')).rejects.toBeInstanceOf(ReportExistsError);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('follows ListObjectsV2 continuation tokens and reads every page', async () => {
    const a = restoreDrill({ startedAt: '2026-10-01T02:00:00.000Z' });
    const b = failedRestoreDrill('2026-11-08T02:00:00.000Z');
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      IsTruncated: true,
      NextContinuationToken: 'token-2',
      KeyCount: 1,
      MaxKeys: 1000,
      Name: 'rb',
      Prefix: 'drillbook/reports/restore-drill/',
      Contents: [{ Key: `drillbook/${reportKey(a)}.json`, Size: 100, StorageClass: 'STANDARD' }],
      $metadata: meta(200),
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 'token-2' }).resolves({
      IsTruncated: false,
      KeyCount: 2,
      MaxKeys: 1000,
      Name: 'rb',
      Prefix: 'drillbook/reports/restore-drill/',
      Contents: [
        { Key: `drillbook/${reportKey(b)}.md`, Size: 100, StorageClass: 'STANDARD' },
        { Key: `drillbook/${reportKey(b)}.json`, Size: 100, StorageClass: 'STANDARD' },
      ],
      $metadata: meta(200),
    });
    s3.on(GetObjectCommand, { Key: `drillbook/${reportKey(a)}.json` }).resolves({
      Body: body(JSON.stringify(a)),
      $metadata: meta(200),
    });
    s3.on(GetObjectCommand, { Key: `drillbook/${reportKey(b)}.json` }).resolves({
      Body: body(JSON.stringify(b)),
      $metadata: meta(200),
    });
    const store = new S3RunbookStore({ bucket: 'rb', client: new S3Client({ region: 'eu-west-1' }) });
    const listed = await store.listReports({ kind: 'restore-drill' });
    expect(listed.map((r) => r.id)).toEqual([b.id, a.id]);
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.ContinuationToken)).toEqual([
      undefined,
      'token-2',
    ]);
    // With a limit met by the newest month, older months are not fetched.
    s3.resetHistory();
    expect((await store.listReports({ kind: 'restore-drill', limit: 1 })).map((r) => r.id)).toEqual([b.id]);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      `drillbook/${reportKey(b)}.json`,
    ]);
  });

  it('reads a missing RUNBOOK.md as null and names the operation and key on other errors', async () => {
    s3.on(GetObjectCommand, { Key: 'drillbook/RUNBOOK.md' }).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: meta(404) }),
    );
    const store = new S3RunbookStore({ bucket: 'rb', client: new S3Client({ region: 'eu-west-1' }) });
    expect(await store.readRunbook()).toBeNull();
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'Access Denied',
        $metadata: meta(403),
      }),
    );
    const error = await store.writeRunbook('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunbookStoreError);
    expect((error as Error).message).toBe('S3 PutObject s3://rb/drillbook/RUNBOOK.md failed: Access Denied');
  });
});
