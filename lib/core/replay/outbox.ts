import type { OutboxResult } from './checks.js';

const listed = 100;

/**
 * Outbox reconciliation while a window streams by: the outbox rows up to the bound are held as a
 * set of ids and crossed off as messages carrying them go by; message ids are collected in
 * batches the caller looks up in the outbox (`takeBatch` / `recordMissing`), so memory follows
 * the bound and the batch size, not the window.
 */
export class OutboxTally {
  private readonly pending: Set<string>;
  private batch: { seq: number; msgId: string }[] = [];
  private readonly withoutRow: { seq: number; msgId: string }[] = [];
  private withoutRowCount = 0;
  readonly rows: number;

  constructor(
    readonly table: string,
    rowIds: readonly string[],
    readonly bound: number,
    readonly batchSize = 1000,
  ) {
    this.pending = new Set(rowIds);
    this.rows = this.pending.size;
  }

  /** Returns true when a batch is ready for lookup. */
  see(seq: number, msgId: string | undefined): boolean {
    if (msgId === undefined) {
      this.noteWithoutRow(seq, '(no Nats-Msg-Id)');
      return false;
    }
    this.pending.delete(msgId);
    this.batch.push({ seq, msgId });
    return this.batch.length >= this.batchSize;
  }

  takeBatch(): { seq: number; msgId: string }[] {
    const batch = this.batch;
    this.batch = [];
    return batch;
  }

  recordMissing(batch: readonly { seq: number; msgId: string }[], missingIds: readonly string[]): void {
    if (missingIds.length === 0) return;
    const missing = new Set(missingIds);
    for (const m of batch) if (missing.has(m.msgId)) this.noteWithoutRow(m.seq, m.msgId);
  }

  private noteWithoutRow(seq: number, msgId: string): void {
    this.withoutRowCount++;
    if (this.withoutRow.length < listed) this.withoutRow.push({ seq, msgId });
  }

  result(): OutboxResult {
    const rowsWithoutMessage = [...this.pending];
    return {
      table: this.table,
      rows: this.rows,
      bound: this.bound,
      rowsWithoutMessage: rowsWithoutMessage.slice(0, listed),
      rowsWithoutMessageCount: rowsWithoutMessage.length,
      messagesWithoutRow: [...this.withoutRow],
      messagesWithoutRowCount: this.withoutRowCount,
    };
  }
}
