import pg from 'pg';
import { ConfigError, DrillbookError } from '../core/errors.js';
import { digestEntries } from '../core/replay/digest.js';
import type { AnyProjection } from '../core/replay/projection.js';
import type { LiveProjectionSource, ProjectionTableState } from '../ports.js';
import { quoteQualified } from './identifiers.js';

export class LiveProjectionError extends DrillbookError {}

export interface LiveProjectionOptions {
  table?: string;
  checkpointTable?: string;
  /** The checkpoint row's key; default the projection's name. */
  checkpointKey?: string;
  statementTimeoutMs?: number;
  /** What this table is to the run, for errors (default "the live projection"). */
  role?: string;
  /** The flag or field that named the database URL, for connection errors (default --pg-url). */
  urlField?: string;
}

/**
 * The live read model of a projection in Postgres: its checkpoint (last stream sequence applied)
 * and its rows, read in one REPEATABLE READ READ ONLY transaction so both describe the same
 * moment, then digested with the projection's own canonical form.
 */
export class PgLiveProjection implements LiveProjectionSource {
  readonly table: string;
  private readonly checkpointTable: string;
  private readonly key: string;

  constructor(
    private readonly url: string,
    private readonly projection: AnyProjection,
    private readonly options: LiveProjectionOptions = {},
  ) {
    if (!projection.live) {
      throw new ConfigError('--projection', `projection "${projection.name}" has no live table layout`);
    }
    this.table = options.table ?? projection.live.table;
    this.checkpointTable = options.checkpointTable ?? projection.live.checkpointTable;
    this.key = options.checkpointKey ?? projection.name;
  }

  async digest(): Promise<{ table: string; checkpoint: number; digest: string; rows: number } | null> {
    const state = await this.state();
    if (!state) return null;
    const { entries: _, ...digest } = state;
    return digest;
  }

  async state(): Promise<ProjectionTableState | null> {
    const live = this.projection.live!;
    const table = quoteQualified(this.table, '--projection-table');
    const checkpoints = quoteQualified(this.checkpointTable, '--checkpoint-table');
    const columns = live.columns.map((c) => quoteQualified(c, 'projection column')).join(', ');
    const client = new pg.Client({
      connectionString: this.url,
      statement_timeout: this.options.statementTimeoutMs ?? 300_000,
      connectionTimeoutMillis: 10_000,
    });
    const role = this.options.role ?? 'the live projection';
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw new LiveProjectionError(
        `connecting to ${this.options.urlField ?? '--pg-url'} for ${role} ${this.table}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const cp = await client.query<{ last_seq: string }>(
        `SELECT last_seq::text AS last_seq FROM ${checkpoints} WHERE projection = $1`,
        [this.key],
      );
      const row = cp.rows[0];
      if (!row) {
        await client.query('COMMIT');
        return null;
      }
      const rows = await client.query<Record<string, unknown>>(`SELECT ${columns} FROM ${table}`);
      await client.query('COMMIT');
      const canonical = rows.rows.map((r) => live.rowToEntry(r));
      const { digest, entries } = digestEntries(canonical);
      return {
        table: this.table,
        checkpoint: Number(row.last_seq),
        digest,
        rows: entries,
        entries: canonical,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw new LiveProjectionError(
        `reading ${role} ${this.table} (checkpoint table ${this.checkpointTable}): ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      await client.end().catch(() => {});
    }
  }

  async close(): Promise<void> {}
}
