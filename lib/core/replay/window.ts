/** A pinned window of stream sequences, both ends included (empty when fromSeq > toSeq). */
export interface ReplayWindow {
  fromSeq: number;
  toSeq: number;
}

/**
 * A window for people: "sequences F..T"; "nothing after sequence T" when it is empty (a read
 * model already at the end); "no sequences (the stream was not read)" when nothing was pinned
 * (the stream was missing or unreachable: 0..0 would read like a real window).
 */
export function describeSequences(window: ReplayWindow): string {
  if (window.toSeq < 1) return 'no sequences (the stream was not read)';
  if (window.fromSeq > window.toSeq) return `nothing after sequence ${window.toSeq}`;
  return `sequences ${sequenceRange(window)}`;
}

/** The window as "F..T" for a chat line, or '' when nothing was pinned. */
export function sequenceRange(window: ReplayWindow): string {
  return window.toSeq < 1 ? '' : `${window.fromSeq}..${window.toSeq}`;
}
