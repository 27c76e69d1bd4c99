import { InputError } from '../errors.js';

export interface ReplayWindow {
  fromSeq: number;
  toSeq: number;
}

/**
 * Pins the window: --from-seq defaults to 1; --to-seq to the live projection's checkpoint when
 * there is one, else the stream's last sequence read at start. A window past the stream's end or
 * backwards is bad input.
 */
export function pinWindow(
  requested: { fromSeq?: number; toSeq?: number },
  stream: { lastSeq: number },
  checkpoint: number | null,
): ReplayWindow {
  const fromSeq = requested.fromSeq ?? 1;
  const toSeq = requested.toSeq ?? checkpoint ?? stream.lastSeq;
  if (fromSeq < 1) throw new InputError('--from-seq', 'must be 1 or more');
  if (toSeq > stream.lastSeq) {
    throw new InputError('--to-seq', `${toSeq} is past the stream's last sequence ${stream.lastSeq}`);
  }
  if (toSeq < fromSeq) {
    throw new InputError(
      requested.toSeq !== undefined ? '--to-seq' : '--from-seq',
      `the window ${fromSeq}..${toSeq} is empty (the stream's last sequence is ${stream.lastSeq})`,
    );
  }
  return { fromSeq, toSeq };
}
