import type pg from 'pg';
import { describeError } from '../core/errors.js';
import type { Check } from '../core/report.js';
import { withClient } from './connection.js';

export interface CustomCheck {
  name: string;
  sql: string;
  expect: string | number | boolean | null;
  /** The database to run it in (default: the connection's). */
  database?: string | undefined;
}

/**
 * amcheck's bt_index_check on every B-tree index of user tables (heapallindexed off: structure
 * only, fast), spread over `parallel` connections. Needs the contrib extension; creates it in the
 * staging database.
 */
export async function amcheckIndexes(url: string, parallel = 2): Promise<Check> {
  const indexes = await withClient(url, async (client) => {
    await client.query('CREATE EXTENSION IF NOT EXISTS amcheck');
    const { rows } = await client.query<{ oid: number; name: string }>(
      `SELECT c.oid::int AS oid, n.nspname || '.' || c.relname AS name
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_am am ON am.oid = c.relam
        WHERE am.amname = 'btree' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
          AND i.indisvalid AND i.indisready
        ORDER BY pg_relation_size(c.oid) DESC`,
    );
    return rows;
  }).catch((error: unknown) => error as Error);
  if (indexes instanceof Error) {
    return { name: 'amcheck', outcome: 'failed', detail: `amcheck unavailable: ${describeError(indexes)}` };
  }
  const queue = [...indexes];
  const broken: string[] = [];
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(parallel, queue.length)) }, () =>
      withClient(url, async (client) => {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
          try {
            await client.query('SELECT bt_index_check($1::regclass, false)', [index.oid]);
          } catch (error) {
            broken.push(`${index.name}: ${describeError(error)}`);
          }
        }
      }),
    ),
  );
  return broken.length === 0
    ? { name: 'amcheck', outcome: 'passed', detail: `${indexes.length} B-tree indexes structurally sound` }
    : { name: 'amcheck', outcome: 'failed', detail: broken.sort().join('; ') };
}

/** Runs each configured SQL check; the first column of the first row must equal `expect` (as text). */
export async function runCustomChecks(client: pg.Client, checks: readonly CustomCheck[]): Promise<Check[]> {
  const results: Check[] = [];
  for (const check of checks) {
    const name = `sql:${check.name}`;
    try {
      const { rows, fields } = await client.query({ text: check.sql, rowMode: 'array' });
      const first = (rows[0] as unknown[] | undefined)?.[0];
      const got =
        first === undefined || first === null
          ? null
          : String(first instanceof Date ? first.toISOString() : first);
      const want = check.expect === null ? null : String(check.expect);
      results.push(
        got === want
          ? { name, outcome: 'passed', detail: `${fields[0]?.name ?? 'value'} = ${got ?? 'NULL'}` }
          : { name, outcome: 'failed', detail: `expected ${want ?? 'NULL'}, got ${got ?? 'NULL'}` },
      );
    } catch (error) {
      results.push({ name, outcome: 'failed', detail: `query failed: ${describeError(error)}` });
    }
  }
  return results;
}
