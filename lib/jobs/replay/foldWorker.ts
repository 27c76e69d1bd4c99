import { parentPort, workerData } from 'node:worker_threads';
import type { CanonicalEntry } from '../../core/replay/digest.js';
import { finishFold, ProjectionFold } from '../../core/replay/runner.js';
import { findProjection } from '../../projections/index.js';
import type { FoldBatch } from './foldEngine.js';

/** The fold worker: receives batches of events, folds them, returns the digest on "finish". */
const port = parentPort;
if (!port) throw new Error('foldWorker must run as a worker thread');
const projection = findProjection((workerData as { projection: string }).projection);
let fold = new ProjectionFold(projection);

type Message =
  | { type: 'begin'; base: CanonicalEntry[] }
  | { type: 'batch'; batch: FoldBatch }
  | { type: 'finish'; keepState?: boolean };

port.on('message', (message: Message) => {
  if (message.type === 'begin') {
    fold = new ProjectionFold(projection, message.base);
    return;
  }
  if (message.type === 'finish') {
    port.postMessage({ type: 'done', outcome: finishFold(fold, message.keepState ?? false) });
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
