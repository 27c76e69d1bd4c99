import pg from 'pg';
import { DrillbookError } from '../core/errors.js';
import type { OutboxSource } from '../ports.js';
import { quoteQualified } from './identifiers.js';

export class OutboxReadError extends DrillbookError {}

export interface OutboxOptions {
  table: string;
  /** Column holding the id published as Nats-Msg-Id (default "id"). */
  idColumn?: string;
  /** Column that orders rows for the bound (default "created_at"). */
  orderColumn?: string;
}

/** The product's outbox table, read-only. */
export class PgOutbox implements OutboxSource {
  readonly table: string;
  private readonly pool: pg.Pool;
  private readonly id: string;
  private readonly order: string;
  private readonly quoted: string;

  constructor(url: string, options: OutboxOptions) {
    this.table = options.table;
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

  async missing(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    try {
      const result = await this.pool.query<{ id: string }>(
        `SELECT u.id FROM unnest($1::text[]) AS u(id)
          WHERE NOT EXISTS (SELECT 1 FROM ${this.quoted} o WHERE o.${this.id}::text = u.id)`,
        [ids],
      );
      return result.rows.map((r) => r.id);
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
