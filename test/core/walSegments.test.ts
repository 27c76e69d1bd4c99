import { describe, expect, it } from 'vitest';
import {
  archiveContinuity,
  parseSegment,
  segmentName,
  startSegmentFromLabel,
} from '../../lib/core/walSegments.js';

describe('WAL segments', () => {
  it('round-trips names across a log boundary', () => {
    const s = parseSegment('0000000100000002000000FF')!;
    expect(s).toEqual({ timeline: 1, index: 2 * 256 + 255 });
    expect(segmentName(1, s.index + 1)).toBe('000000010000000300000000');
  });

  it('finds the segments missing between the backup start and the newest archived one', () => {
    const files = [
      '000000010000000000000003',
      '000000010000000000000005',
      '000000010000000000000003.00000028.backup',
      'x.history',
    ];
    expect(archiveContinuity(files, '000000010000000000000003')).toEqual({
      first: '000000010000000000000003',
      last: '000000010000000000000005',
      missing: ['000000010000000000000004'],
    });
  });

  it('reports the start segment itself as missing when nothing was archived', () => {
    expect(archiveContinuity([], '000000010000000000000009').missing).toEqual(['000000010000000000000009']);
  });

  it('reads the start segment from a backup_label', () => {
    const label =
      'START WAL LOCATION: 0/9000028 (file 000000010000000000000009)\nCHECKPOINT LOCATION: 0/9000060\n';
    expect(startSegmentFromLabel(label)).toBe('000000010000000000000009');
  });
});
