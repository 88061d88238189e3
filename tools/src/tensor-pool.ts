/**
 * Produces tensor bytes on worker threads, a few tensors ahead of the writer, so that K-quant
 * generation (the slow part: the reference K quantizers run a few M values/s) uses every core.
 *
 * Each tensor is computed independently from (seed, name), so the bytes are the same whether they
 * come from a worker or the main thread. Workers load this package by its own name
 * (`@sovereign/tools`, resolved from here); where that module cannot run in a plain worker (e.g.
 * TypeScript sources under a test runner) the pool reports itself unavailable and the caller
 * computes on the main thread instead.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type GGMLType, bytesFor } from '@sovereign/trueno';
import { tensorBytes } from './tensor-data.js';
import { type TensorPlan, elementCount } from './tensor-plan.js';

// Jobs may run ahead of the writer while their finished bytes stay under this budget, so that a
// few huge tensors (the embedding) do not leave the other workers idle.
const AHEAD_BYTES = 1 << 30;

/** A job: one tensor in one type. */
export interface TensorJob {
  readonly plan: TensorPlan;
  readonly type: GGMLType;
}

// Worker body (CommonJS eval script): import the package, then answer jobs in order.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.entry).then(
  (m) => {
    parentPort.on('message', ({ id, plan, type, seed }) => {
      try {
        const bytes = m.tensorBytes(plan, type, seed);
        parentPort.postMessage({ id, bytes }, [bytes.buffer]);
      } catch (e) {
        parentPort.postMessage({ id, error: String(e && e.stack || e) });
      }
    });
    parentPort.postMessage({ ready: true });
  },
  (e) => parentPort.postMessage({ fatal: String(e && e.message || e) }),
);
`;

type Reply = { ready: true } | { fatal: string } | { id: number; bytes?: Uint8Array; error?: string };

/** Default worker count: the machine's parallelism, at most 8. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** Computes the bytes of `jobs[i]` for each `get(i)`, with up to `threads` jobs in flight. */
export class TensorPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: number[] = [];
  private readonly results = new Map<number, Promise<Uint8Array>>();
  private readonly waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  private next = 0;
  /** prefix[i] = bytes of jobs 0..i-1. */
  private readonly prefix: number[];

  private constructor(
    private readonly jobs: readonly TensorJob[],
    private readonly seed: number,
  ) {
    this.prefix = [0];
    for (const j of jobs) this.prefix.push(this.prefix[this.prefix.length - 1] + bytesFor(j.type, elementCount(j.plan.dims)));
  }

  /**
   * Starts `threads` workers; resolves to undefined (after stopping them) when workers cannot
   * run the package, so that the caller falls back to the main thread.
   */
  static async start(jobs: readonly TensorJob[], seed: number, threads: number): Promise<TensorPool | undefined> {
    // Only from the built package: a worker would load the built entry, and running from sources
    // (tsx, vitest) it could be stale or need a TypeScript loader.
    if (threads < 2 || !import.meta.url.endsWith('.js')) return undefined;
    let entry: string;
    try {
      entry = import.meta.resolve('@sovereign/tools');
    } catch {
      return undefined;
    }
    if (!entry.endsWith('.js')) return undefined;
    const pool = new TensorPool(jobs, seed);
    const ok = await Promise.all(Array.from({ length: threads }, () => pool.spawn(entry)));
    if (ok.every(Boolean)) return pool;
    await pool.close();
    return undefined;
  }

  private spawn(entry: string): Promise<boolean> {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { entry } });
    this.workers.push(w);
    return new Promise((resolveReady) => {
      w.on('message', (r: Reply) => {
        if ('ready' in r) {
          this.idle.push(w);
          return resolveReady(true);
        }
        if ('fatal' in r) return resolveReady(false);
        const p = this.waiting.get(r.id);
        this.waiting.delete(r.id);
        if (r.error !== undefined) p?.reject(new Error(`worker failed on ${this.jobs[r.id].plan.name}: ${r.error}`));
        else p?.resolve(r.bytes!);
        this.idle.push(w);
        this.dispatch();
      });
      w.on('error', (e) => {
        resolveReady(false);
        for (const p of this.waiting.values()) p.reject(e);
        this.waiting.clear();
      });
    });
  }

  /** Hands queued jobs to idle workers, lowest id first. */
  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const id = this.queue.shift()!;
      const job = this.jobs[id];
      this.idle.pop()!.postMessage({ id, plan: job.plan, type: job.type, seed: this.seed });
    }
  }

  private submit(id: number): void {
    const p = new Promise<Uint8Array>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    p.catch(() => undefined); // a failure is reported by get(); jobs fetched ahead may never be awaited
    this.results.set(id, p);
    this.queue.push(id);
    this.dispatch();
  }

  /**
   * The bytes of job `i` (asked in increasing order). Also starts the following jobs: at least
   * one per worker, more while the bytes produced ahead of `i` stay within {@link AHEAD_BYTES}.
   */
  async get(i: number): Promise<Uint8Array> {
    const minAhead = Math.min(this.jobs.length, i + this.workers.length + 1);
    while (
      this.next < this.jobs.length &&
      (this.next < minAhead || this.prefix[this.next + 1] - this.prefix[i + 1] <= AHEAD_BYTES)
    ) {
      this.submit(this.next++);
    }
    const r = this.results.get(i);
    if (!r) throw new Error(`tensor ${i} requested out of order`);
    this.results.delete(i);
    return r;
  }

  /** Stops all workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Main-thread fallback with the same interface. */
export function computeInThread(job: TensorJob, seed: number): Uint8Array {
  return tensorBytes(job.plan, job.type, seed);
}
