/**
 * Entry script of the model worker thread (built as `dist/worker-entry.js`; run from source
 * through tsx in tests). Started by `openModelWorker`, never imported.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { WorkerInit } from './protocol.js';
import { WorkerHost } from './worker-host.js';

if (isMainThread || !parentPort) {
  throw new Error('worker-entry is the script of a model worker thread: start it with openModelWorker(path), do not import it');
}
WorkerHost.start(parentPort, workerData as WorkerInit);
