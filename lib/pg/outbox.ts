import pg from 'pg';
import { DrillbookError } from '../core/errors.js';
import type { OutboxSource, UnpublishedOutboxSource } from '../ports.js';
import { quoteQualified } from './identifiers.js';
import { idEquals, type OutboxIdMatch, outboxIdMatch, partitionIds } from './outboxIdType.js';

export class OutboxReadError extends DrillbookError {}

export interface OutboxOptions {
  table: string;
  /** Column holding the id published as Nats-Msg-Id (default "id"). */
  idColumn?: string;
  /** Column that orders rows for the bound (default "created_at"). */
  orderColumn?: string;
}

/** The id column's type (format_type), or null when the catalog does not say (then ids compare as text). */
async function idColumnMatch(
  query: (sql: string, values: unknown[]) => Promise<{ rows: { type: string | null }[] }>,
  quotedTable: string,
  column: string,
): Promise<OutboxIdMatch | null> {
  const result = await query(
    `SELECT format_type(a.atttypid, NULL) AS type FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped`,
    [quotedTable, column],
  );
  const type = result.rows[0]?.type;
  return type ? outboxIdMatch(type) : null;
}

/** The product's outbox table, read-only. */
export class PgOutbox implements OutboxSource {
  readonly table: string;
  private readonly pool: pg.Pool;
  private readonly id: string;
  private readonly order: string;
  private readonly quoted: string;
  private readonly idName: string;
  private match: Promise<OutboxIdMatch | null> | null = null;

  constructor(url: string, options: OutboxOptions) {
    this.table = options.table;
    this.idName = options.idColumn ?? 'id';
    this.quoted = quoteQualified(options.table, '--outbox-table');
    this.id = quoteQualified(options.idColumn ?? 'id', '--outbox-id-column');
    this.order = quoteQualified(options.orderColumn ?? 'created_at', '--outbox-order-column');
    this.pool = new pg.Pool({
      connectionString: url,
      max: 2,
      connectionTimeoutMillis: 10_000,
      statement_timeout: 120_000,
    });
  }

  async rowIds(bound: number): Promise<string[]> {
    try {
      const result = await this.pool.query<{ id: string }>(
        `SELECT ${this.id}::text AS id FROM ${this.quoted} ORDER BY ${this.order}, ${this.id} LIMIT $1`,
        [bound],
      );
      return result.rows.map((r) => r.id);
    } catch (error) {
      throw new OutboxReadError(`reading outbox ${this.table}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /**
   * The ids no outbox row has. Looked up through the id column's index (ids cast to its type;
   * see outboxIdType.ts): one index probe per id, not a scan of the outbox per batch. The column's
   * type is read once.
   */
  async missing(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    try {
      // A failed look at the catalog is not kept: the next batch asks again.
      this.match ??= idColumnMatch(
        (sql, values) => this.pool.query(sql, values),
        this.quoted,
        this.idName,
      ).catch((error: unknown) => {
        this.match = null;
        throw error;
      });
      const match = await this.match;
      const { candidates, impossible } = partitionIds(ids, match);
      const found =
        candidates.length === 0
          ? []
          : (
              await this.pool.query<{ id: string }>(
                `SELECT u.id FROM unnest($1::text[]) AS u(id)
                  WHERE NOT EXISTS (SELECT 1 FROM ${this.quoted} o WHERE ${idEquals(match, this.id)})`,
                [candidates],
              )
            ).rows.map((r) => r.id);
      const absent = new Set([...impossible, ...found]);
      return ids.filter((id) => absent.has(id));
    } catch (error) {
      throw new OutboxReadError(`looking up ids in outbox ${this.table}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}

/** A restored outbox, read-only: rows whose published column is null were not yet published. */
export class PgUnpublishedOutbox implements UnpublishedOutboxSource {
  readonly table: string;
  private readonly quoted: string;
  private readonly id: string;
  /** The id column as named in the catalog (unquoted), for its type. */
  private readonly idName: string;
  private readonly published: string;

  constructor(
    private readonly url: string,
    options: { table: string; idColumn?: string; publishedColumn?: string },
  ) {
    this.table = options.table;
    this.quoted = quoteQualified(options.table, 'restore.catchUp.outbox.table');
    this.id = quoteQualified(options.idColumn ?? 'id', 'restore.catchUp.outbox.idColumn');
    this.published = quoteQualified(
      options.publishedColumn ?? 'published_at',
      'restore.catchUp.outbox.publishedColumn',
    );
    this.idName = options.idColumn ?? 'id';
  }

  private client(): pg.Client {
    return new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: 10_000,
      statement_timeout: 120_000,
    });
  }

  async publishedAmong(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const client = this.client();
    try {
      await client.connect();
      const match = await idColumnMatch((sql, values) => client.query(sql, values), this.quoted, this.idName);
      // Answered with the ids as given (a typed match reads the primary key).
      const { candidates } = partitionIds(ids, match);
      if (candidates.length === 0) return [];
      const result = await client.query<{ id: string }>(
        `SELECT u.id FROM unnest($1::text[]) AS u(id)
          WHERE EXISTS (SELECT 1 FROM ${this.quoted} o
                         WHERE ${idEquals(match, this.id)} AND o.${this.published} IS NOT NULL)`,
        [candidates],
      );
      return result.rows.map((r) => r.id);
    } catch (error) {
      throw new OutboxReadError(`reading published rows of ${this.table}: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      await client.end().catch(() => {});
    }
  }

  async unpublished(bound: number): Promise<{ ids: string[]; count: number }> {
    const client = this.client();
    await client.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const where = `FROM ${this.quoted} WHERE ${this.published} IS NULL`;
      const count = await client.query<{ n: string }>(`SELECT count(*)::text AS n ${where}`);
      const rows = await client.query<{ id: string }>(
        `SELECT ${this.id}::text AS id ${where} ORDER BY ${this.id} LIMIT $1`,
        [bound],
      );
      await client.query('COMMIT');
      return { ids: rows.rows.map((r) => r.id), count: Number(count.rows[0]?.n ?? 0) };
    } catch (error) {
      throw new OutboxReadError(`reading unpublished rows of ${this.table}: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      await client.end().catch(() => {});
    }
  }

  async close(): Promise<void> {}
}
