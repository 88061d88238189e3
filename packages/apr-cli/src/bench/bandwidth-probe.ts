/**
 * A small memory-bandwidth probe for the roofline: `threads` worker threads each compare two equal
 * buffers far larger than the caches with `Buffer.compare` (glibc's vectorised memcmp, a pure
 * streaming read of both), all at once; the bandwidth of a round is the bytes read by all workers
 * over the slowest worker's time, and the result is the best of a few rounds (as STREAM reports).
 * Reads only, because decoding mostly reads weights; the thread count is the bench's, because one
 * core alone often cannot saturate the memory controller.
 *
 * The buffers are filled with a pattern first: untouched zero pages all map to one physical page
 * and would be read from cache. The workers are given their code as a string (`eval: true`) so the
 * probe works the same from source and from the tsup bundle.
 *
 * A native probe (the trueno addon's, once it exposes one) can replace this through
 * {@link BandwidthProbeOptions.nativeProbe}.
 */
import { Worker } from 'node:worker_threads';

/** Options of {@link measureBandwidth}. */
export interface BandwidthProbeOptions {
  /** Concurrent readers (default 1). */
  readonly threads?: number;
  /** Bytes of each of the two buffers per thread (default 128 MiB). */
  readonly bytesPerBuffer?: number;
  /** Rounds; the best is kept (default 5). */
  readonly rounds?: number;
  /** A native probe returning GB/s, used instead when given. */
  readonly nativeProbe?: (threads: number) => number;
}

/** Result of {@link measureBandwidth}. */
export interface BandwidthResult {
  /** Best read bandwidth, GB/s (10⁹ bytes per second). */
  readonly gbPerSec: number;
  /** How it was measured, for the report. */
  readonly method: string;
}

const WORKER_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const a = Buffer.allocUnsafeSlow(workerData.bytes);
const b = Buffer.allocUnsafeSlow(workerData.bytes);
a.fill(0x5a); b.fill(0x5a);
parentPort.postMessage({ ready: true });
parentPort.on('message', (m) => {
  if (m === 'stop') { parentPort.close(); return; }
  const t0 = process.hrtime.bigint();
  if (Buffer.compare(a, b) !== 0) throw new Error('probe buffers differ');
  const t1 = process.hrtime.bigint();
  parentPort.postMessage({ ns: Number(t1 - t0) });
});
`;

function nextMessage<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: T) => {
      w.off('error', onErr);
      resolve(m);
    };
    const onErr = (e: Error) => {
      w.off('message', onMsg);
      reject(e);
    };
    w.once('message', onMsg);
    w.once('error', onErr);
  });
}

/** Measures the machine's memory read bandwidth. See the module comment. */
export async function measureBandwidth(opts: BandwidthProbeOptions = {}): Promise<BandwidthResult> {
  const threads = Math.max(1, opts.threads ?? 1);
  if (opts.nativeProbe) return { gbPerSec: opts.nativeProbe(threads), method: `native probe, ${threads} thread(s)` };
  const bytes = opts.bytesPerBuffer ?? 128 * 1024 * 1024;
  const rounds = Math.max(1, opts.rounds ?? 5);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SRC, { eval: true, workerData: { bytes } }));
  try {
    await Promise.all(workers.map((w) => nextMessage(w)));
    let best = 0;
    for (let r = 0; r < rounds; r++) {
      const replies = workers.map((w) => nextMessage<{ ns: number }>(w));
      for (const w of workers) w.postMessage('go');
      const ns = Math.max(...(await Promise.all(replies)).map((m) => m.ns));
      best = Math.max(best, (2 * bytes * threads) / ns);
    }
    const mib = Math.round((2 * bytes) / 2 ** 20);
    return { gbPerSec: best, method: `memcmp of ${mib} MiB per thread, ${threads} thread(s), best of ${rounds}` };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
