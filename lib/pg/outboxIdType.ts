/**
 * How an outbox lookup compares message ids with the outbox's id column. Ids arrive as text
 * (Nats-Msg-Id); comparing `id::text = $id` would hide the column's index and scan the whole
 * production outbox for every batch of 1000 events. So each id is cast to the column's type
 * instead, after checking that it is one's canonical text (anything else is no row's `id::text`),
 * and the primary key answers, with the same results as the text comparison. Other types
 * (domains, character(n), arrays, ...) fall back to the text comparison.
 */
export interface OutboxIdMatch {
  /** The column's type as Postgres names it (format_type), used as the cast. */
  cast: string;
  /** Whether `id` is the canonical text of a value of that type (else no row's `id::text` is it). */
  accepts(id: string): boolean;
}

// Only the canonical text of each type (what `id::text` prints), so that a lookup finds exactly
// the rows the text comparison found and a cast can never fail: `A0EE...`, `{...}`, `+42` or `042`
// are no row's `id::text`, and are answered as absent without a query.
const uuidText = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const integerText = /^(0|-?[1-9][0-9]*)$/;

const integerBits: Record<string, bigint> = { smallint: 15n, integer: 31n, bigint: 63n };

function integerOf(bits: bigint): (id: string) => boolean {
  const max = (1n << bits) - 1n;
  const min = -(1n << bits);
  return (id) => {
    if (!integerText.test(id)) return false;
    const value = BigInt(id);
    return value >= min && value <= max;
  };
}

/** The typed comparison for an id column of `type` (format_type output), or null: compare as text. */
export function outboxIdMatch(type: string): OutboxIdMatch | null {
  if (type === 'uuid') return { cast: 'uuid', accepts: (id) => uuidText.test(id) };
  if (Object.hasOwn(integerBits, type)) return { cast: type, accepts: integerOf(integerBits[type]!) };
  if (type === 'text' || type.startsWith('character varying'))
    return { cast: type.startsWith('character varying') ? 'character varying' : 'text', accepts: () => true };
  return null;
}

/**
 * Splits ids into those a row's id can equal and those it cannot, keeping their order (with no
 * typed match, compared as text, every id is a candidate).
 */
export function partitionIds(
  ids: readonly string[],
  match: OutboxIdMatch | null,
): { candidates: string[]; impossible: string[] } {
  if (!match) return { candidates: [...ids], impossible: [] };
  const candidates: string[] = [];
  const impossible: string[] = [];
  for (const id of ids) (match.accepts(id) ? candidates : impossible).push(id);
  return { candidates, impossible };
}

/**
 * SQL: outbox row `o`'s id column (quoted) equals `u.id` (a text id): through the column's type
 * when the match knows it (the primary key answers), else as text (a scan of the outbox).
 */
export function idEquals(match: OutboxIdMatch | null, quotedColumn: string): string {
  return match ? `o.${quotedColumn} = u.id::${match.cast}` : `o.${quotedColumn}::text = u.id`;
}
