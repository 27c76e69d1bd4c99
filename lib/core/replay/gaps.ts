/** Why messages are missing from a window, as far as the server can tell. */
export type GapCause = 'deleted' | 'purged' | 'missing';

export interface Gap {
  from: number;
  to: number;
  cause: GapCause;
}

/** What the stream said about itself when the window was pinned. */
export interface StreamFacts {
  /** The stream's first sequence: everything below was purged or aged out by limits. */
  firstSeq: number;
  /** Sequences the server reports as deleted (interior deletes), within the window. */
  deleted: ReadonlySet<number>;
}

/**
 * Finds sequence gaps in a window from the sequences seen, in increasing order (an ordered
 * consumer delivers them so). Holds O(gaps) memory whatever the window's size.
 */
export class GapTracker {
  private readonly ranges: [number, number][] = [];
  private next: number;

  constructor(
    readonly fromSeq: number,
    readonly toSeq: number,
  ) {
    this.next = fromSeq;
  }

  /** The sequence that should come next. */
  get expected(): number {
    return this.next;
  }

  see(seq: number): void {
    if (seq > this.next) this.ranges.push([this.next, seq - 1]);
    if (seq >= this.next) this.next = seq + 1;
  }

  /** Closes the window: anything between the last sequence seen and `toSeq` is a trailing gap. */
  finish(): [number, number][] {
    if (this.next <= this.toSeq) {
      this.ranges.push([this.next, this.toSeq]);
      this.next = this.toSeq + 1;
    }
    return [...this.ranges];
  }
}

/**
 * Classifies each gap: "purged" when it lies below the stream's first sequence, "deleted" when the
 * server lists every sequence of it as deleted, else "missing" (split where the causes change).
 */
export function classifyGaps(ranges: readonly [number, number][], facts: StreamFacts): Gap[] {
  const gaps: Gap[] = [];
  for (const [from, to] of ranges) {
    let start = from;
    let cause = causeOf(from, facts);
    for (let seq = from + 1; seq <= to; seq++) {
      const c = causeOf(seq, facts);
      if (c !== cause) {
        gaps.push({ from: start, to: seq - 1, cause });
        start = seq;
        cause = c;
      }
    }
    gaps.push({ from: start, to, cause });
  }
  return gaps;
}

function causeOf(seq: number, facts: StreamFacts): GapCause {
  if (seq < facts.firstSeq) return 'purged';
  if (facts.deleted.has(seq)) return 'deleted';
  return 'missing';
}

export function formatGap(gap: Gap): string {
  const range = gap.from === gap.to ? `${gap.from}` : `${gap.from}-${gap.to}`;
  return `${range} (${gap.cause})`;
}
