/**
 * WAL segment file names (24 hex digits: timeline, log, segment) and archive continuity, for the
 * default 16 MB segment size. Pure: works on names only.
 */
const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;
const SEGMENTS_PER_LOG = 0x100; // 4 GB / 16 MB

export interface SegmentName {
  timeline: number;
  /** Position in the WAL stream: log * 256 + segment. */
  index: number;
}

export function parseSegment(name: string): SegmentName | null {
  const m = SEGMENT.exec(name);
  if (!m) return null;
  return {
    timeline: Number.parseInt(m[1]!, 16),
    index: Number.parseInt(m[2]!, 16) * SEGMENTS_PER_LOG + Number.parseInt(m[3]!, 16),
  };
}

export function segmentName(timeline: number, index: number): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return hex(timeline) + hex(Math.floor(index / SEGMENTS_PER_LOG)) + hex(index % SEGMENTS_PER_LOG);
}

export interface Continuity {
  first: string | null;
  last: string | null;
  missing: string[];
}

/**
 * Which segments between `from` (the backup's start segment) and the newest archived one are
 * missing. Only the start segment's timeline is followed; at most `limit` missing names are listed.
 */
export function archiveContinuity(files: readonly string[], from: string, limit = 20): Continuity {
  const start = parseSegment(from);
  if (!start) throw new Error(`not a WAL segment name: ${from}`);
  const present = new Set(
    files
      .map(parseSegment)
      .filter((s): s is SegmentName => s !== null && s.timeline === start.timeline && s.index >= start.index)
      .map((s) => s.index),
  );
  if (present.size === 0) return { first: null, last: null, missing: [from] };
  const last = Math.max(...present);
  const missing: string[] = [];
  for (let i = start.index; i <= last && missing.length < limit; i++) {
    if (!present.has(i)) missing.push(segmentName(start.timeline, i));
  }
  return { first: from, last: segmentName(start.timeline, last), missing };
}

/** The start segment named in a backup_label ("START WAL LOCATION: 0/2000028 (file 000000010000000000000002)"). */
export function startSegmentFromLabel(label: string): string | null {
  return /START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)/.exec(label)?.[1] ?? null;
}
