import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { describeError } from '../core/errors.js';
import { RunbookStoreError } from '../core/reportingErrors.js';
import { sleep } from '../core/wait.js';
import { KeyedRunbookStore } from '../runbookStore.js';
import { createClient } from './clients.js';

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
  /** Where a listing says it skipped an object that is not valid JSON (default: console.warn). */
  warn?: (message: string) => void;
}

interface ConflictRetry {
  attempts: number;
  baseDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultConflictRetry: ConflictRetry = { attempts: 5, baseDelayMs: 100 };

/**
 * The runbook store on S3, with the folder store's layout under a prefix:
 * `<prefix>reports/<kind>/<YYYY>/<MM>/<id>.json` (+ `.md`, `.html`) and `<prefix>RUNBOOK.md`.
 *
 * Every object is written with server-side encryption requested. Reports are never overwritten:
 * a HeadObject pre-check (clear error, and the only guard on S3-compatible servers that ignore
 * conditional writes) plus `IfNoneMatch: '*'` on the PutObject (S3's atomic guard against a
 * concurrent writer). What both stores share (the republish rule, listing) is in
 * lib/runbookStore.ts; this class reads, writes and lists objects only.
 */
export class S3RunbookStore extends KeyedRunbookStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;

  constructor(private readonly options: S3RunbookStoreOptions) {
    super(options.warn);
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? 'drillbook/');
    this.client = options.client ?? createClient(S3Client, { region: options.region, purpose: 'adapters' });
  }

  location(key: string): string {
    return this.uri(this.prefix + key);
  }

  protected override fileKey(key: string): string {
    return safeKey(key);
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

  protected async deleteKey(key: string): Promise<void> {
    const full = this.prefix + key;
    try {
      // DeleteObject of a missing key succeeds (204), so a second release is harmless.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: full }));
    } catch (error) {
      throw this.failure('DeleteObject', full, error);
    }
  }

  protected readText(key: string): Promise<string | null> {
    return this.getText(this.prefix + key);
  }

  protected writeText(key: string, body: string, contentType: string): Promise<void> {
    return this.put(this.prefix + key, body, contentType);
  }

  protected createText(key: string, body: string, contentType: string): Promise<'created' | 'exists'> {
    return this.putOnce(this.prefix + key, body, contentType);
  }

  exists(key: string): Promise<boolean> {
    return this.headExists(this.prefix + key);
  }

  protected async listKeys(prefix: string): Promise<string[]> {
    return (await this.listFullKeys(this.prefix + prefix)).map((k) => k.slice(this.prefix.length));
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

  private async headExists(key: string): Promise<boolean> {
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

  private async listFullKeys(prefix: string): Promise<string[]> {
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

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket');
}
