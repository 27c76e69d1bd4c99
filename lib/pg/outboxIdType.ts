/**
 * How an outbox lookup compares message ids with the outbox's id column. Ids arrive as text
 * (Nats-Msg-Id); comparing `id::text = $id` would hide the column's index and scan the whole
 * production outbox for every batch of 1000 events. So each id is cast to the column's type
 * instead, after checking that it can be one (an id that cannot be a uuid is in no uuid column),
 * and the primary key answers. Types not listed here fall back to the text comparison.
 */
export interface OutboxIdMatch {
  /** The column's type as Postgres names it (format_type), used as the cast. */
  cast: string;
  /** Whether `id` is a valid literal of that type (else it cannot be in the column). */
  accepts(id: string): boolean;
}

const uuidLiteral = /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;
const integerLiteral = /^\s*[+-]?\d+\s*$/;

const integerBits: Record<string, bigint> = { smallint: 15n, integer: 31n, bigint: 63n };

function integerOf(bits: bigint): (id: string) => boolean {
  const max = (1n << bits) - 1n;
  const min = -(1n << bits);
  return (id) => {
    if (!integerLiteral.test(id)) return false;
    const value = BigInt(id.trim());
    return value >= min && value <= max;
  };
}

/** The typed comparison for an id column of `type` (format_type output), or null: compare as text. */
export function outboxIdMatch(type: string): OutboxIdMatch | null {
  if (type === 'uuid') return { cast: 'uuid', accepts: (id) => uuidLiteral.test(id) };
  if (Object.hasOwn(integerBits, type)) return { cast: type, accepts: integerOf(integerBits[type]!) };
  if (type === 'text' || type.startsWith('character varying'))
    return { cast: type.startsWith('character varying') ? 'character varying' : 'text', accepts: () => true };
  return null;
}

/** Splits ids into those the column can hold and those it cannot, keeping their order. */
export function partitionIds(
  ids: readonly string[],
  match: OutboxIdMatch,
): { candidates: string[]; impossible: string[] } {
  const candidates: string[] = [];
  const impossible: string[] = [];
  for (const id of ids) (match.accepts(id) ? candidates : impossible).push(id);
  return { candidates, impossible };
}
