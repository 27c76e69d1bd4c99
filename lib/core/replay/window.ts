/** A pinned window of stream sequences, both ends included (empty when fromSeq > toSeq). */
export interface ReplayWindow {
  fromSeq: number;
  toSeq: number;
}
