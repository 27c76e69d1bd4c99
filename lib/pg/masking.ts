import pg from 'pg';
import { GuardError } from '../core/errors.js';
import { quoteTable } from './connection.js';
import { qualify } from './fingerprint.js';

export interface MaskingRule {
  table: string;
  column: string;
  strategy: 'hash' | 'redact' | 'null' | 'email';
}

/** The custom setting that marks a database as drill-created staging. */
export const STAGING_MARK = 'drillbook.environment';

/**
 * Refuses unless the server itself says it is staging: the drill writes drillbook.environment =
 * 'staging' into every cluster it restores, and no production server carries it. A config that
 * points the masking step at production cannot get past this.
 */
export async function assertStagingDatabase(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ mark: string | null; in_recovery: boolean }>(
    `SELECT current_setting('${STAGING_MARK}', true) AS mark, pg_is_in_recovery() AS in_recovery`,
  );
  const row = rows[0]!;
  if (row.mark !== 'staging') {
    throw new GuardError(
      `refusing to mask: the database is not marked staging (${STAGING_MARK} = ${row.mark ?? 'unset'})`,
    );
  }
  if (row.in_recovery) throw new GuardError('refusing to mask: the database is still in recovery');
}

const expressions: Record<MaskingRule['strategy'], (column: string) => string> = {
  hash: (c) => `CASE WHEN ${c} IS NULL THEN NULL ELSE md5(${c}::text) END`,
  redact: (c) => `CASE WHEN ${c} IS NULL THEN NULL ELSE 'REDACTED' END`,
  null: () => 'NULL',
  email: (c) =>
    `CASE WHEN ${c} IS NULL THEN NULL ELSE 'user-' || left(md5(${c}::text), 12) || '@example.invalid' END`,
};

/** Applies the masking rules in one transaction, after the staging guard. Returns rows changed per rule. */
export async function maskPii(
  client: pg.Client,
  rules: readonly MaskingRule[],
): Promise<{ rule: MaskingRule; rows: number }[]> {
  await assertStagingDatabase(client);
  const results: { rule: MaskingRule; rows: number }[] = [];
  await client.query('BEGIN');
  try {
    for (const rule of rules) {
      const column = pg.escapeIdentifier(rule.column);
      const result = await client.query(
        `UPDATE ${quoteTable(qualify(rule.table))} SET ${column} = ${expressions[rule.strategy](column)}`,
      );
      results.push({ rule, rows: result.rowCount ?? 0 });
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  return results;
}
