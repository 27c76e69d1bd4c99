import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DrillbookError } from '../core/errors.js';
import { type Report, reportKey, reportSchema } from '../core/report.js';
import type { RunbookStore } from '../ports.js';
import { defaultRetryPolicy, type RetryPolicy, withThrottleRetry } from './throttleRetry.js';

export class InterimRunbookStoreError extends DrillbookError {}

/** Report bodies fetched at once. */
const fetchBatch = 10;

/** Objects listed at most per listing: a bound (newest keys sort last within a kind's month folders). */
const maxListedKeys = 5000;

/**
 * A minimal S3 runbook store (same key layout as the folder store) so the canary functions can
 * store reports and read earlier halts on AWS. INTERIM: the reporting job ships the full
 * S3RunbookStore (SSE, HTML, conditional writes); the canary wiring should switch to it once both
 * are merged. Writes request SSE-S3 and refuse to overwrite (IfNoneMatch).
 */
export class InterimS3RunbookStore implements RunbookStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly retry: RetryPolicy = defaultRetryPolicy,
  ) {}

  async putReport(report: Report, markdown: string): Promise<string> {
    const key = this.prefix + reportKey(report);
    await this.put(`${key}.md`, markdown, 'text/markdown; charset=utf-8');
    await this.put(`${key}.json`, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
    return `s3://${this.bucket}/${key}.json`;
  }

  async listReports(
    filter: { kind?: Report['kind']; system?: string; limit?: number } = {},
  ): Promise<Report[]> {
    const base = `${this.prefix}reports/${filter.kind ? `${filter.kind}/` : ''}`;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const t = token;
      const out = await withThrottleRetry(
        's3:ListObjectsV2',
        () =>
          this.client.send(
            new ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: base,
              ...(t ? { ContinuationToken: t } : {}),
            }),
          ),
        this.retry,
      );
      for (const o of out.Contents ?? []) if (o.Key?.endsWith('.json')) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token && keys.length < maxListedKeys);
    keys.sort().reverse();
    const reports: Report[] = [];
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    // Newest keys first, fetched a batch at a time, until enough reports matched.
    for (let i = 0; i < keys.length && reports.length < limit; i += fetchBatch) {
      const bodies = await Promise.all(keys.slice(i, i + fetchBatch).map((key) => this.get(key)));
      for (const body of bodies) {
        const parsed = body === null ? null : reportSchema.safeParse(JSON.parse(body));
        if (!parsed?.success) continue;
        if (filter.system && parsed.data.system !== filter.system) continue;
        if (reports.length < limit) reports.push(parsed.data as Report);
      }
    }
    return reports;
  }

  async getReport(id: string): Promise<Report | null> {
    return (await this.listReports()).find((r) => r.id === id) ?? null;
  }

  readRunbook(): Promise<string | null> {
    return this.get(`${this.prefix}RUNBOOK.md`);
  }

  async writeRunbook(text: string): Promise<void> {
    await this.put(`${this.prefix}RUNBOOK.md`, text, 'text/markdown; charset=utf-8', true);
  }

  private async put(key: string, body: string, contentType: string, overwrite = false): Promise<void> {
    await withThrottleRetry(
      's3:PutObject',
      () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            ServerSideEncryption: 'AES256',
            ...(overwrite ? {} : { IfNoneMatch: '*' }),
          }),
        ),
      this.retry,
    );
  }

  private async get(key: string): Promise<string | null> {
    try {
      const out = await withThrottleRetry(
        's3:GetObject',
        () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })),
        this.retry,
      );
      return (await out.Body?.transformToString('utf-8')) ?? null;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return null;
      throw new InterimRunbookStoreError(`s3://${this.bucket}/${key}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
