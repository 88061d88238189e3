/**
 * What a {@link GpuBackend} moved and where it ran: transfer counters by cause and CPU fallbacks
 * by op, so a test (or `apr bench`) can check that a decode step keeps its activations on the
 * device and that no op silently ran elsewhere.
 */

import type { StepGraphStats } from './step-graphs.js';

/** Count and bytes of one kind of transfer. */
export class TransferCounter {
  count = 0;
  bytes = 0;

  add(bytes: number): void {
    this.count++;
    this.bytes += bytes;
  }

  /** A plain copy for reports. */
  snapshot(): { count: number; bytes: number } {
    return { count: this.count, bytes: this.bytes };
  }
}

/** A snapshot of {@link GpuBackendCounters}. */
export interface GpuBackendStats {
  /** Kernel launches. */
  readonly launches: number;
  /** Whole activation buffers copied host→device (first use, after `invalidate`, after a CPU fallback wrote them). */
  readonly activationUploads: { count: number; bytes: number };
  /** Whole activation buffers copied device→host because JS asked (`download`: logits, hidden states). */
  readonly activationDownloads: { count: number; bytes: number };
  /** Device→host copies forced by CPU fallbacks. */
  readonly fallbackDownloads: { count: number; bytes: number };
  /** Weights uploaded (once per tensor / weight vector). */
  readonly weightUploads: { count: number; bytes: number };
  /** Small per-call inputs: token ids' embedding rows, positions, attention tables (a recorded step's staging copy counts once). */
  readonly paramUploads: { count: number; bytes: number };
  /** argmax results read back (4 bytes each). */
  readonly argmaxReads: { count: number; bytes: number };
  /**
   * Matmul kernels dispatched by `matmul` calls, by path: tensor-core GEMM launches, their split-K
   * reduce passes, batched GEMV launches (counted per call, also when a decode step's launches are
   * deferred and then replayed as its graph).
   */
  readonly matmulLaunches: { gemm: number; gemmReduce: number; gemv: number };
  /** Ops that ran on the CPU backend, by `op` or `op type` (e.g. `matmul f16`). */
  readonly fallbacks: Readonly<Record<string, number>>;
  /** Decode steps replayed from graphs (hits), recorded (misses) or run eagerly, and why. */
  readonly graphs: StepGraphStats;
}

/** The live counters of a backend. */
export class GpuBackendCounters {
  launches = 0;
  readonly uploads = new TransferCounter();
  readonly downloads = new TransferCounter();
  readonly fallbackDownloads = new TransferCounter();
  readonly weightUploads = new TransferCounter();
  readonly paramUploads = new TransferCounter();
  readonly argmaxReads = new TransferCounter();
  readonly fallbacks = new Map<string, number>();
  readonly matmulLaunches = { gemm: 0, gemmReduce: 0, gemv: 0 };

  fallback(what: string): void {
    this.fallbacks.set(what, (this.fallbacks.get(what) ?? 0) + 1);
  }

  snapshot(): Omit<GpuBackendStats, 'graphs'> {
    return {
      launches: this.launches,
      activationUploads: this.uploads.snapshot(),
      activationDownloads: this.downloads.snapshot(),
      fallbackDownloads: this.fallbackDownloads.snapshot(),
      weightUploads: this.weightUploads.snapshot(),
      paramUploads: this.paramUploads.snapshot(),
      argmaxReads: this.argmaxReads.snapshot(),
      matmulLaunches: { ...this.matmulLaunches },
      fallbacks: Object.fromEntries(this.fallbacks),
    };
  }
}
