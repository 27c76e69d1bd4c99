import type { Check } from '../report.js';
import { type DuplicateId, extraCopies } from './duplicates.js';
import { formatGap, type Gap } from './gaps.js';
import { type Rejections, schemaViolationCount, type Violation } from './runner.js';

/** The names of the rehearsal's checks, as they appear in the report. */
export const checkNames = {
  gaps: 'log: sequence gaps',
  duplicates: 'log: duplicate Nats-Msg-Id',
  schemas: 'log: event schemas',
  retention: 'log: retention covers the base state',
  base: 'base state',
  applied: 'projection: every valid event applied',
  determinism: 'determinism: two passes agree',
  expected: 'digest: expected / golden',
  live: 'digest: live projection',
  outboxRows: 'outbox: every row has its message',
  outboxMessages: 'outbox: every message has its row',
} as const;

const listed = 20;

function more(total: number): string {
  return total > listed ? `, ... (${total - listed} more)` : '';
}

export function gapsCheck(gaps: readonly Gap[]): Check {
  if (gaps.length === 0) return { name: checkNames.gaps, outcome: 'passed', detail: 'no sequence gaps' };
  const missing = gaps.reduce((n, g) => n + g.to - g.from + 1, 0);
  return {
    name: checkNames.gaps,
    outcome: 'failed',
    detail: `${gaps.length} gap(s), ${missing} sequence(s) absent: ${gaps.slice(0, listed).map(formatGap).join(', ')}${more(gaps.length)}`,
  };
}

export function duplicatesCheck(duplicates: readonly DuplicateId[], withoutId: number): Check {
  const noId = withoutId > 0 ? `; ${withoutId} message(s) carry no Nats-Msg-Id` : '';
  if (duplicates.length === 0) {
    return { name: checkNames.duplicates, outcome: 'passed', detail: `no duplicate Nats-Msg-Id${noId}` };
  }
  const list = duplicates
    .slice(0, listed)
    .map((d) => `${d.msgId} at seq ${d.seqs.join('/')}`)
    .join(', ');
  return {
    name: checkNames.duplicates,
    outcome: 'failed',
    detail: `${duplicates.length} id(s) published more than once (${extraCopies(duplicates)} extra message(s)): ${list}${more(duplicates.length)}${noId}`,
  };
}

const kindLabel: Record<keyof Rejections, string> = {
  notJson: 'not JSON',
  unknownType: 'unknown type',
  schemaInvalid: 'schema-invalid',
  rejected: 'rejected by the projection',
};

function listOf(violations: readonly Violation[], kinds: readonly Violation['kind'][]): string {
  return violations
    .filter((v) => kinds.includes(v.kind))
    .slice(0, listed)
    .map((v) => `seq ${v.seq} ${v.kind}${v.type ? ` ${v.type}` : ''}: ${v.detail}`)
    .join('; ');
}

/** Events no consumer can read (not JSON, unknown or missing type, failing their schema), counted per kind. */
export function schemasCheck(
  rejections: Rejections,
  violations: readonly Violation[],
  events: number,
): Check {
  const count = schemaViolationCount(rejections);
  if (count === 0) {
    return { name: checkNames.schemas, outcome: 'passed', detail: `${events} event(s) valid` };
  }
  const counts = (['notJson', 'unknownType', 'schemaInvalid'] as const)
    .filter((k) => rejections[k].count > 0)
    .map((k) => `${rejections[k].count} ${kindLabel[k]}`)
    .join(', ');
  return {
    name: checkNames.schemas,
    outcome: 'failed',
    detail: `${count} of ${events} event(s) violate the event schemas and were left out of the fold (${counts}): ${listOf(violations, ['not-json', 'no-type', 'unknown-type', 'schema'])}${more(count)}`,
  };
}

/** Valid events the projection refused in its state (e.g. about an entity it does not hold). */
export function appliedCheck(
  rejections: Rejections,
  violations: readonly Violation[],
  applied: number,
  partial: boolean,
): Check {
  const count = rejections.rejected.count;
  if (count === 0) {
    return { name: checkNames.applied, outcome: 'passed', detail: `${applied} valid event(s) applied` };
  }
  const hint = partial
    ? ' (the window starts from an empty state: events about entities created before it cannot apply; start from a base state instead)'
    : '';
  return {
    name: checkNames.applied,
    outcome: 'failed',
    detail: `${count} valid event(s) rejected by the projection${hint}: ${listOf(violations, ['apply'])}${more(count)}`,
  };
}

export function determinismCheck(first: string, second: string): Check {
  return first === second
    ? { name: checkNames.determinism, outcome: 'passed', detail: `both passes digest to ${first}` }
    : {
        name: checkNames.determinism,
        outcome: 'failed',
        detail: `pass 1 digest ${first} != pass 2 digest ${second}: the projection is not deterministic (clock, randomness or iteration order?)`,
      };
}

export interface ExpectedDigest {
  digest: string;
  /** Where it came from: "--expect-digest" or "golden digest of report <id>". */
  source: string;
}

export function expectedDigestCheck(digest: string, expected: ExpectedDigest | null): Check {
  if (!expected) {
    return {
      name: checkNames.expected,
      outcome: 'skipped',
      detail:
        'no --expect-digest and no earlier passing rehearsal of this window: this digest becomes the golden one if the run passes',
    };
  }
  return expected.digest === digest
    ? { name: checkNames.expected, outcome: 'passed', detail: `matches the ${expected.source}` }
    : {
        name: checkNames.expected,
        outcome: 'failed',
        detail: `digest ${digest} != ${expected.digest} (${expected.source})`,
      };
}

export interface LiveDigest {
  table: string;
  checkpoint: number;
  digest: string;
  rows: number;
}

export function liveDigestCheck(digest: string, toSeq: number, live: LiveDigest | string): Check {
  if (typeof live === 'string') return { name: checkNames.live, outcome: 'skipped', detail: live };
  if (live.checkpoint !== toSeq) {
    return {
      name: checkNames.live,
      outcome: 'inconclusive',
      detail: `the live projection ${live.table} is at checkpoint ${live.checkpoint}, the window ends at ${toSeq}: replay to its checkpoint to compare`,
    };
  }
  return live.digest === digest
    ? {
        name: checkNames.live,
        outcome: 'passed',
        detail: `${live.table} (${live.rows} row(s)) at checkpoint ${live.checkpoint} digests the same`,
      }
    : {
        name: checkNames.live,
        outcome: 'failed',
        detail: `${live.table} at checkpoint ${live.checkpoint} digests to ${live.digest}, the replay to ${digest}`,
      };
}

export interface OutboxResult {
  table: string;
  /** Rows considered (up to the bound). */
  rows: number;
  /** Considered rows whose id no message of the window carries. */
  rowsWithoutMessage: string[];
  rowsWithoutMessageCount: number;
  /** Messages of the window whose Nats-Msg-Id has no outbox row. */
  messagesWithoutRow: { seq: number; msgId: string }[];
  messagesWithoutRowCount: number;
  bound: number;
}

export function outboxChecks(result: OutboxResult): Check[] {
  const rowList = result.rowsWithoutMessage.slice(0, listed).join(', ');
  const msgList = result.messagesWithoutRow
    .slice(0, listed)
    .map((m) => `seq ${m.seq} (${m.msgId})`)
    .join(', ');
  return [
    result.rowsWithoutMessageCount === 0
      ? {
          name: checkNames.outboxRows,
          outcome: 'passed',
          detail: `${result.rows} row(s) of ${result.table} (bound ${result.bound}) all have a message`,
        }
      : {
          name: checkNames.outboxRows,
          outcome: 'failed',
          detail: `${result.rowsWithoutMessageCount} of ${result.rows} row(s) of ${result.table} have no message with their id: ${rowList}${more(result.rowsWithoutMessageCount)}`,
        },
    result.messagesWithoutRowCount === 0
      ? {
          name: checkNames.outboxMessages,
          outcome: 'passed',
          detail: `every message has its row in ${result.table}`,
        }
      : {
          name: checkNames.outboxMessages,
          outcome: 'failed',
          detail: `${result.messagesWithoutRowCount} message(s) have no row in ${result.table}: ${msgList}${more(result.messagesWithoutRowCount)}`,
        },
  ];
}
