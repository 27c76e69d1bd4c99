import { parentPort, workerData } from 'node:worker_threads';
import { finishFold, ProjectionFold } from '../core/replay/runner.js';
import { findProjection } from '../projections/index.js';
import type { FoldBatch } from './foldEngine.js';

/** The fold worker: receives batches of events, folds them, returns the digest on "finish". */
const port = parentPort;
if (!port) throw new Error('foldWorker must run as a worker thread');
const fold = new ProjectionFold(findProjection((workerData as { projection: string }).projection));

port.on('message', (message: { type: 'batch'; batch: FoldBatch } | { type: 'finish' }) => {
  if (message.type === 'finish') {
    port.postMessage({ type: 'done', outcome: finishFold(fold) });
    return;
  }
  const { seqs, offsets, data, subjects, msgIds } = message.batch;
  for (let i = 0; i < seqs.length; i++) {
    fold.push({
      seq: seqs[i]!,
      subject: subjects[i]!,
      msgId: msgIds[i],
      data: data.subarray(offsets[i]!, offsets[i + 1]!),
    });
  }
  port.postMessage({ type: 'ack' });
});
