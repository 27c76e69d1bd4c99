import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CanonicalEntry } from '../../core/replay/digest.js';
import { ProjectionError } from '../../core/replay/errors.js';
import type { AnyProjection } from '../../core/replay/projection.js';
import { type FoldOutcome, finishFold, ProjectionFold } from '../../core/replay/runner.js';
import type { StreamEvent } from '../../ports.js';
import { projections } from '../../projections/index.js';

/**
 * Validates and folds a pass's events; `push` may return a promise to slow the reader down.
 * `begin` (before the first push) sets the state the pass starts from: a base state's canonical
 * entries, or null for the projection's initial state (the default).
 */
export interface FoldEngine {
  begin(base: readonly CanonicalEntry[] | null): void;
  push(event: StreamEvent): undefined | Promise<void>;
  /** The outcome; with `keepState`, also the final state's canonical entries (for a snapshot). */
  finish(keepState?: boolean): Promise<FoldOutcome>;
  close(): Promise<void>;
}

export type FoldEngineFactory = (projection: AnyProjection) => FoldEngine;

/** Folds on the calling thread. */
export class InlineFoldEngine implements FoldEngine {
  private fold: ProjectionFold;

  constructor(private readonly projection: AnyProjection) {
    this.fold = new ProjectionFold(projection);
  }

  begin(base: readonly CanonicalEntry[] | null): void {
    this.fold = new ProjectionFold(this.projection, base);
  }

  push(event: StreamEvent): undefined {
    this.fold.push(event);
    return undefined;
  }

  async finish(keepState = false): Promise<FoldOutcome> {
    return finishFold(this.fold, keepState);
  }

  async close(): Promise<void> {}
}

export const inlineFoldEngine: FoldEngineFactory = (projection) => new InlineFoldEngine(projection);

const batchSize = 1024;
const maxBatchesInFlight = 8;

/** One batch of events as posted to the worker (payloads packed into one transferable buffer). */
export interface FoldBatch {
  seqs: Float64Array;
  offsets: Uint32Array;
  data: Uint8Array;
  subjects: string[];
  msgIds: (string | undefined)[];
}

/**
 * Folds on a worker thread, so decoding, validation and folding overlap with reading NATS on the
 * main thread. Events go over in batches with a bounded number in flight (memory stays bounded).
 * The worker finds the projection by name in the registry (lib/projections).
 */
export class WorkerFoldEngine implements FoldEngine {
  private seqs = new Float64Array(batchSize);
  private offsets = new Uint32Array(batchSize + 1);
  private data = new Uint8Array(256 * 1024);
  private subjects: string[] = [];
  private msgIds: (string | undefined)[] = [];
  private count = 0;
  private inFlight = 0;
  private waiting: (() => void) | null = null;
  private failure: Error | null = null;
  private result: ((outcome: FoldOutcome) => void) | null = null;
  private rejectFailed: (error: Error) => void = () => {};
  private readonly failed: Promise<never>;

  private constructor(private readonly worker: Worker) {
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    this.failed.catch(() => {});
    worker.on('message', (message: { type: 'ack' } | { type: 'done'; outcome: FoldOutcome }) => {
      if (message.type === 'ack') {
        this.inFlight--;
        this.wake();
      } else this.result?.(message.outcome);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`fold worker exited (${code})`)));
  }

  /** A worker engine, or null when the worker cannot run here (bundled Lambda, unregistered projection). */
  static start(projection: AnyProjection): WorkerFoldEngine | null {
    if (!projections.includes(projection)) return null;
    const file = [
      new URL('./foldWorker.js', import.meta.url),
      new URL('./foldWorkerBoot.mjs', import.meta.url),
    ].find((url) => existsSync(fileURLToPath(url)));
    if (!file) return null;
    const worker = new Worker(file, { workerData: { projection: projection.name } });
    worker.unref();
    return new WorkerFoldEngine(worker);
  }

  begin(base: readonly CanonicalEntry[] | null): void {
    if (base) this.worker.postMessage({ type: 'begin', base });
  }

  push(event: StreamEvent): undefined | Promise<void> {
    if (this.failure) throw this.failure;
    const start = this.offsets[this.count]!;
    const end = start + event.data.byteLength;
    if (end > this.data.byteLength) {
      const grown = new Uint8Array(Math.max(end, this.data.byteLength * 2));
      grown.set(this.data.subarray(0, start));
      this.data = grown;
    }
    this.data.set(event.data, start);
    this.seqs[this.count] = event.seq;
    this.subjects.push(event.subject);
    this.msgIds.push(event.msgId);
    this.count++;
    this.offsets[this.count] = end;
    if (this.count < batchSize) return undefined;
    this.post();
    return this.inFlight >= maxBatchesInFlight ? this.drainTo(maxBatchesInFlight - 1) : undefined;
  }

  private post(): void {
    if (this.count === 0) return;
    const end = this.offsets[this.count]!;
    const data = this.data.slice(0, end);
    const batch: FoldBatch = {
      seqs: this.seqs.slice(0, this.count),
      offsets: this.offsets.slice(0, this.count + 1),
      data,
      subjects: this.subjects,
      msgIds: this.msgIds,
    };
    this.worker.postMessage({ type: 'batch', batch }, [
      batch.seqs.buffer as ArrayBuffer,
      batch.offsets.buffer as ArrayBuffer,
      data.buffer as ArrayBuffer,
    ]);
    this.inFlight++;
    this.count = 0;
    this.offsets[0] = 0;
    this.subjects = [];
    this.msgIds = [];
  }

  private drainTo(limit: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.failure) return reject(this.failure);
        if (this.inFlight <= limit) return resolve();
        this.waiting = check;
      };
      check();
    });
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }

  private fail(error: Error): void {
    this.failure ??= new ProjectionError(`fold worker failed: ${error.message}`, { cause: error });
    this.rejectFailed(this.failure);
    this.wake();
  }

  async finish(keepState = false): Promise<FoldOutcome> {
    this.post();
    const done = new Promise<FoldOutcome>((resolve) => {
      this.result = resolve;
    });
    this.worker.postMessage({ type: 'finish', keepState });
    try {
      return await Promise.race([done, this.failed]);
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/** Folds on a worker thread when it can, else inline. */
export const parallelFoldEngine: FoldEngineFactory = (projection) =>
  WorkerFoldEngine.start(projection) ?? new InlineFoldEngine(projection);
