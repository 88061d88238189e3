/**
 * Entry script of the serving engine's worker thread (built as `dist/serve-worker.js`; run from
 * source through tsx in tests). Started by `openServeEngine`, never imported.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { EngineHost } from './engine-host.js';
import type { EngineInit } from './protocol.js';

if (isMainThread || !parentPort) {
  throw new Error('the serve worker entry is the script of a serving engine thread: start it with openServeEngine(path), do not import it');
}
EngineHost.start(parentPort, workerData as EngineInit);
