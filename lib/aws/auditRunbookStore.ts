import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { type Report, reportKey, reportSchema } from '../core/report.js';
import type { RunbookStore } from '../ports.js';

/**
 * The runbook store on S3 for the rotation-audit Lambda: reports/<kind>/<YYYY>/<MM>/<id>.json
 * (+ .md) and RUNBOOK.md under a prefix, the same layout as the local folder. Reports are never
 * overwritten (If-None-Match: *). Overlaps the reporting adapters (S3RunbookStore); when those
 * land, the audit Lambda should take its publishers from there instead.
 */
export class AuditRunbookStore implements RunbookStore {
  private readonly client: S3Client;

  constructor(
    private readonly options: { bucket: string; prefix?: string; region?: string; client?: S3Client },
  ) {
    this.client =
      options.client ??
      new S3Client({
        ...(options.region ? { region: options.region } : {}),
        maxAttempts: 5,
        retryMode: 'adaptive',
      });
  }

  private key(rest: string): string {
    return `${this.options.prefix ?? 'drillbook/'}${rest}`;
  }

  async putReport(report: Report, markdown: string): Promise<string> {
    const key = reportKey(report);
    await this.put(`${key}.md`, markdown, 'text/markdown; charset=utf-8');
    await this.put(`${key}.json`, `${JSON.stringify(report, null, 2)}\n`, 'application/json', true);
    return `s3://${this.options.bucket}/${this.key(`${key}.json`)}`;
  }

  async listReports(
    filter: { kind?: Report['kind']; system?: string; limit?: number } = {},
  ): Promise<Report[]> {
    const keys: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.key(`reports/${filter.kind ? `${filter.kind}/` : ''}`),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of out.Contents ?? []) if (o.Key?.endsWith('.json')) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
      if (!token) break;
    }
    // Report ids sort by time: read only the newest ones we need.
    keys.sort((a, b) => basename(b).localeCompare(basename(a)));
    const reports: Report[] = [];
    for (const key of keys) {
      const text = await this.get(key);
      const parsed = text ? reportSchema.safeParse(JSON.parse(text)) : null;
      if (!parsed?.success) continue;
      if (filter.system && parsed.data.system !== filter.system) continue;
      reports.push(parsed.data as Report);
      if (filter.limit && reports.length >= filter.limit) break;
    }
    return reports;
  }

  async getReport(id: string): Promise<Report | null> {
    return (await this.listReports()).find((r) => r.id === id) ?? null;
  }

  async readRunbook(): Promise<string | null> {
    return this.get(this.key('RUNBOOK.md'));
  }

  async writeRunbook(text: string): Promise<void> {
    await this.put('RUNBOOK.md', text, 'text/markdown; charset=utf-8');
  }

  private async put(rest: string, body: string, contentType: string, noOverwrite = false): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: this.key(rest),
        Body: body,
        ContentType: contentType,
        ServerSideEncryption: 'AES256',
        ...(noOverwrite ? { IfNoneMatch: '*' } : {}),
      }),
    );
  }

  private async get(key: string): Promise<string | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return (await out.Body?.transformToString('utf8')) ?? null;
    } catch (error) {
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.name === 'NoSuchKey'))
        return null;
      throw error;
    }
  }
}

function basename(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
