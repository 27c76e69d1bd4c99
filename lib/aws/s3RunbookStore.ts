import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describeError } from '../core/errors.js';
import { type Report, reportKey, reportKinds, reportSchema } from '../core/report.js';
import { ReportExistsError, RunbookStoreError } from '../core/reportingErrors.js';
import { sleep } from '../core/wait.js';
import type { RunbookStore } from '../ports.js';
import { s3Client, sdkRetryFor } from './clients.js';

export interface S3RunbookStoreOptions {
  bucket: string;
  /** Key prefix, e.g. "drillbook/" (a trailing slash is added when missing; "" for the bucket root). */
  prefix?: string;
  /** Encrypt with this KMS key (aws:kms); without it, SSE-S3 (AES256). */
  kmsKeyId?: string;
  region?: string;
  client?: S3Client;
  /**
   * How a conditional write that S3 answers 409 ConditionalRequestConflict (another conditional
   * write of the key in flight) is retried: bounded attempts, exponential delay (tests inject `sleep`).
   */
  conflictRetry?: ConflictRetry;
}

interface ConflictRetry {
  attempts: number;
  baseDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultConflictRetry: ConflictRetry = { attempts: 5, baseDelayMs: 100 };

/** How many report bodies are fetched at once when listing. */
const FETCH_CONCURRENCY = 8;

/**
 * The runbook store on S3, with the folder store's layout under a prefix:
 * `<prefix>reports/<kind>/<YYYY>/<MM>/<id>.json` (+ `.md`, `.html`) and `<prefix>RUNBOOK.md`.
 *
 * Every object is written with server-side encryption requested. Reports are never overwritten:
 * a HeadObject pre-check (clear error, and the only guard on S3-compatible servers that ignore
 * conditional writes) plus `IfNoneMatch: '*'` on the PutObject (S3's atomic guard against a
 * concurrent writer). Storing the identical report again (a redelivered step) succeeds without
 * writing; a different report under an existing id is refused with ReportExistsError.
 */
export class S3RunbookStore implements RunbookStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;

  constructor(private readonly options: S3RunbookStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? 'drillbook/');
    this.client = options.client ?? s3Client(options.region, sdkRetryFor.adapters);
  }

  async putReport(report: Report, markdown: string): Promise<string> {
    const key = this.prefix + reportKey(report);
    const jsonKey = `${key}.json`;
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (await this.exists(jsonKey)) return this.alreadyStored(report, jsonKey, json);
    // Markdown first, JSON last: a JSON object means the report is complete.
    const mdPut = await this.putOnce(`${key}.md`, markdown, 'text/markdown; charset=utf-8');
    if (mdPut === 'exists') {
      // A leftover of an interrupted earlier attempt of this very run (the JSON is still absent,
      // and ids are unique per run): finishing it is the idempotent thing to do.
      if (await this.exists(jsonKey)) return this.alreadyStored(report, jsonKey, json);
      await this.put(`${key}.md`, markdown, 'text/markdown; charset=utf-8');
    }
    const jsonPut = await this.putOnce(jsonKey, json, 'application/json; charset=utf-8');
    if (jsonPut === 'exists') return this.alreadyStored(report, jsonKey, json);
    return this.uri(jsonKey);
  }

  /**
   * The report's JSON is already there. The very same report (a redelivered publish step) is
   * success: nothing is rewritten. Anything else is a different run under the same id: refused.
   */
  private async alreadyStored(report: Report, jsonKey: string, json: string): Promise<string> {
    const stored = await this.getText(jsonKey);
    if (stored === json) return this.uri(jsonKey);
    throw new ReportExistsError(report.id, this.uri(jsonKey));
  }

  async listReports(
    filter: { kind?: Report['kind']; system?: string; limit?: number } = {},
  ): Promise<Report[]> {
    const root = `${this.prefix}reports/`;
    const keys = (await this.listKeys(root + (filter.kind ? `${filter.kind}/` : ''))).filter((k) =>
      k.endsWith('.json'),
    );
    // Keys carry the month the report started in, so whole months can be read newest first and
    // the listing can stop once `limit` reports are found.
    const byMonth = new Map<string, string[]>();
    for (const key of keys) {
      const parts = key.slice(root.length).split('/'); // <kind>/<YYYY>/<MM>/<id>.json
      if (parts.length !== 4) continue;
      const month = `${parts[1]}/${parts[2]}`;
      byMonth.set(month, [...(byMonth.get(month) ?? []), key]);
    }
    const reports: Report[] = [];
    for (const month of [...byMonth.keys()].sort().reverse()) {
      const bodies = await mapLimit(byMonth.get(month) ?? [], FETCH_CONCURRENCY, (k) => this.getText(k));
      for (const body of bodies) {
        const report = parseReport(body);
        if (!report || (filter.system && report.system !== filter.system)) continue;
        reports.push(report);
      }
      if (filter.limit && reports.length >= filter.limit) break;
    }
    reports.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
    return filter.limit ? reports.slice(0, filter.limit) : reports;
  }

  async getReport(id: string): Promise<Report | null> {
    const kind = reportKinds.find((k) => id.startsWith(`${k}-`));
    const keys = await this.listKeys(`${this.prefix}reports/${kind ? `${kind}/` : ''}`);
    const key = keys.find((k) => k.endsWith(`/${id}.json`));
    if (!key) return null;
    const body = await this.getText(key);
    return body === null ? null : parseReport(body);
  }

  readRunbook(): Promise<string | null> {
    return this.getText(`${this.prefix}RUNBOOK.md`);
  }

  async writeRunbook(text: string): Promise<void> {
    await this.put(`${this.prefix}RUNBOOK.md`, text, 'text/markdown; charset=utf-8');
  }

  async putFile(key: string, body: string, contentType: string): Promise<string> {
    const full = this.prefix + safeKey(key);
    await this.put(full, body, contentType);
    return this.uri(full);
  }

  getFile(key: string): Promise<string | null> {
    return this.getText(this.prefix + safeKey(key));
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  private encryption(): Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'> {
    return this.options.kmsKeyId
      ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.options.kmsKeyId }
      : { ServerSideEncryption: 'AES256' };
  }

  /** PutObject with the store's encryption; `onlyNew` adds `IfNoneMatch: '*'` (create, never overwrite). */
  private send(key: string, body: string, contentType: string, onlyNew: boolean) {
    return this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ...(onlyNew ? { IfNoneMatch: '*' } : {}),
        ...this.encryption(),
      }),
    );
  }

  private async put(key: string, body: string, contentType: string): Promise<void> {
    try {
      await this.send(key, body, contentType, false);
    } catch (error) {
      throw this.failure('PutObject', key, error);
    }
  }

  async claimFile(
    key: string,
    body: string,
  ): Promise<{ claimed: true } | { claimed: false; existing: string }> {
    const full = this.prefix + key;
    if ((await this.putOnce(full, body, 'application/json; charset=utf-8')) === 'created') {
      return { claimed: true };
    }
    return { claimed: false, existing: (await this.getText(full)) ?? '' };
  }

  async releaseClaim(key: string): Promise<void> {
    const full = this.prefix + key;
    try {
      // DeleteObject of a missing key succeeds (204), so a second release is harmless.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: full }));
    } catch (error) {
      throw this.failure('DeleteObject', full, error);
    }
  }

  /**
   * A conditional create: 'exists' when S3 refuses because the object is there (412). A 409
   * ConditionalRequestConflict means a concurrent conditional write of the key is in flight: S3
   * asks to retry, and the retry learns whether that write landed (412) or not (created).
   */
  private async putOnce(key: string, body: string, contentType: string): Promise<'created' | 'exists'> {
    const retry = this.options.conflictRetry ?? defaultConflictRetry;
    const wait = retry.sleep ?? ((ms: number) => sleep(ms));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(key, body, contentType, true);
        return 'created';
      } catch (error) {
        const name = errorName(error);
        if (name === 'PreconditionFailed') return 'exists';
        if (name === 'ConditionalRequestConflict') {
          if (attempt < retry.attempts) {
            await wait(retry.baseDelayMs * 2 ** (attempt - 1));
            continue;
          }
          throw new RunbookStoreError(
            `S3 PutObject ${this.uri(key)}: another write of this key was still in flight after ${attempt} attempts (409 ConditionalRequestConflict)`,
            { cause: error },
          );
        }
        throw this.failure('PutObject', key, error);
      }
    }
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.failure('HeadObject', key, error);
    }
  }

  private async getText(key: string): Promise<string | null> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return response.Body ? await response.Body.transformToString('utf-8') : '';
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.failure('GetObject', key, error);
    }
  }

  private async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    // Bounded: S3 returns at most 1000 keys a page; 10,000 pages is 10 million reports.
    for (let page = 0; page < 10_000; page++) {
      let response: ListObjectsV2CommandOutput;
      try {
        response = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (error) {
        throw this.failure('ListObjectsV2', prefix, error);
      }
      for (const object of response.Contents ?? []) if (object.Key) keys.push(object.Key);
      if (!response.IsTruncated || !response.NextContinuationToken) return keys;
      token = response.NextContinuationToken;
    }
    throw new RunbookStoreError(`listing ${this.uri(prefix)} did not end after 10000 pages`);
  }

  private failure(operation: string, key: string, error: unknown): RunbookStoreError {
    return new RunbookStoreError(`S3 ${operation} ${this.uri(key)} failed: ${describeError(error)}`, {
      cause: error,
    });
  }
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '');
  if (trimmed === '') return '';
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

function safeKey(key: string): string {
  const clean = key.replace(/^\/+/, '');
  if (clean === '' || clean.split('/').some((part) => part === '..' || part === '.')) {
    throw new RunbookStoreError(`key escapes the runbook prefix: ${key}`);
  }
  return clean;
}

function parseReport(body: string | null): Report | null {
  if (body === null) return null;
  try {
    const parsed = reportSchema.safeParse(JSON.parse(body));
    return parsed.success ? (parsed.data as Report) : null; // not a drillbook report: skip it
  } catch {
    return null;
  }
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket');
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
