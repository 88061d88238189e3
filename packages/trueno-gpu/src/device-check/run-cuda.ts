/**
 * Runs a {@link ConformanceCase} on a real {@link CudaContext}: each kernel JIT-loaded once per
 * runner (its own module, emitted for the runner's target), the buffers allocated and uploaded,
 * the launches queued on a stream, the outputs downloaded; then the launch sequence timed.
 *
 * Timing (no CUDA events in the binding, so host clocks around synchronisation):
 * - A sample is R back-to-back repetitions of the case's launch sequence followed by one stream
 *   sync, timed with `process.hrtime`; per-repetition time = elapsed / R, R chosen so a sample
 *   lasts ≥ `minSampleMicros` (the sync's own latency, tens of µs, is then a small share). The
 *   reported figure is the median of `samples` samples.
 * - `usStream` launches each kernel from JS (cuLaunchKernel through N-API: a few µs of host time
 *   per launch, so tiny kernels measure the host's submission rate); `usGraph` replays the R
 *   repetitions captured into one CUDA graph (what a decode loop with graphs sees), when the
 *   driver has graphs. `us` is the graph figure when there is one, else the stream figure.
 * - Cold memory: a repeated launch of a 4.6 MB weight matrix would be served from the 50 MB L2,
 *   not HBM. The runner therefore makes `copies` independent instances of all buffers, at least
 *   `coldBytes` in total (default 2 × the device's L2), and repetition r uses instance
 *   r mod copies, like consecutive layers of a model. In-place kernels (RoPE, bias, KV store)
 *   keep modifying their instance while timed; only the first, checked launch matters for values.
 */
import type { CudaContext, CudaFunction } from '../driver/cuda-context.js';
import type { CudaStream } from '../driver/cuda-stream.js';
import type { DeviceBuffer } from '../driver/device-memory.js';
import type { KernelParam } from '../driver/kernel-params.js';
import { emitModule, type Kernel, type SmTarget } from '../ptx/kernel.js';
import { type ConformanceCase, ConformanceCaseError, bufferBytes, caseBytes, orderedArgs } from './conformance-case.js';
import { outputBytes } from './run-emulated.js';

/** Options of the CUDA runner. */
export interface CudaRunOptions {
  /** PTX target to emit (see {@link smTargetFor}). */
  readonly sm: SmTarget;
  /** Timing samples per case (default 7; 0 = check values only). */
  readonly samples?: number;
  /** Least duration of one sample, µs (default 2000). */
  readonly minSampleMicros?: number;
  /** Bytes the rotated instances must cover together (default 2 × L2); 0 = one instance. */
  readonly coldBytes?: number;
  /** Most bytes of all instances together (default 2 GiB): caps `copies`. */
  readonly maxInstanceBytes?: number;
  /** Time a captured CUDA graph too (default: when the driver has graphs). */
  readonly graphs?: boolean;
}

/** Timing of one case, per repetition of its launch sequence. */
export interface CaseTiming {
  /** The graph median when timed, else the stream median (µs). */
  readonly us: number;
  readonly usStream: number;
  readonly usGraph?: number;
  /** Buffer instances rotated through. */
  readonly copies: number;
  /** Repetitions per sample. */
  readonly repetitions: number;
  readonly samples: number;
}

/** The PTX target for a device of compute capability `major.minor`: the newest of sm_80/89/90 it can run; throws below sm_80. */
export function smTargetFor(cc: { major: number; minor: number }): SmTarget {
  const n = cc.major * 10 + cc.minor;
  if (n >= 90) return 'sm_90';
  if (n >= 89) return 'sm_89';
  if (n >= 80) return 'sm_80';
  throw new ConformanceCaseError(`the kernels need compute capability 8.0 or newer (sm_80: Ampere); this device is sm_${n}`);
}

type Instance = Map<string, DeviceBuffer>;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs cases on one context; kernels stay loaded until {@link dispose}. */
export class CudaCaseRunner {
  readonly #ctx: CudaContext;
  readonly #opts: CudaRunOptions;
  readonly #functions = new Map<Kernel, CudaFunction>();

  constructor(ctx: CudaContext, opts: CudaRunOptions) {
    this.#ctx = ctx;
    this.#opts = opts;
  }

  /** The loaded function of `kernel` (JIT once per kernel object). */
  functionOf(kernel: Kernel): CudaFunction {
    let f = this.#functions.get(kernel);
    if (!f) {
      f = this.#ctx.loadModule(emitModule(this.#opts.sm, [kernel])).function(kernel.name);
      this.#functions.set(kernel, f);
    }
    return f;
  }

  /** Executes `c`: outputs of the first run, then (samples > 0) its timing. Frees the case's buffers. */
  run(c: ConformanceCase): { outputs: Uint8Array[]; timing?: CaseTiming } {
    const ctx = this.#ctx;
    for (const l of c.launches) this.functionOf(l.kernel);
    const samples = this.#opts.samples ?? 7;
    const bytes = Math.max(caseBytes(c), 1);
    const cold = this.#opts.coldBytes ?? 2 * (ctx.device.l2CacheBytes || 50 * 2 ** 20);
    const maxBytes = this.#opts.maxInstanceBytes ?? 2 * 2 ** 30;
    const copies = samples > 0 ? Math.max(1, Math.min(Math.ceil(cold / bytes), Math.floor(maxBytes / bytes), 64)) : 1;
    const instances: Instance[] = [];
    const stream = ctx.createStream({ nonBlocking: true });
    try {
      for (let i = 0; i < copies; i++) instances.push(this.#instantiate(c));
      this.#queue(c, instances[0], stream);
      stream.synchronize();
      const outputs = c.outputs.map((o, i) => {
        const host = new Uint8Array(outputBytes(c, i));
        const b = instances[0].get(o.buf);
        if (!b) throw new ConformanceCaseError(`output names buffer '${o.buf}', which the case does not declare`);
        ctx.copyToHost(host, b.slice(o.offset ?? 0, host.byteLength));
        return host;
      });
      if (samples <= 0) return { outputs };
      return { outputs, timing: this.#time(c, instances, stream, samples) };
    } finally {
      stream.dispose();
      for (const inst of instances) for (const b of inst.values()) b.dispose();
    }
  }

  /** Frees nothing the runner does not own: modules go with the context; this only forgets them. */
  dispose(): void {
    this.#functions.clear();
  }

  #instantiate(c: ConformanceCase): Instance {
    const ctx = this.#ctx;
    const inst: Instance = new Map();
    try {
      for (const b of c.buffers) {
        const buf = ctx.alloc(Math.max(bufferBytes(b.init), 1));
        inst.set(b.name, buf);
        if (typeof b.init === 'number') ctx.memset(buf, 0);
        else if (ArrayBuffer.isView(b.init)) ctx.copyToDevice(buf, b.init);
      }
      for (const b of c.buffers) {
        if (typeof b.init === 'number' || ArrayBuffer.isView(b.init)) continue;
        const table = new BigUint64Array(
          b.init.pointers.map((p) => {
            const t = inst.get(p);
            if (!t) throw new ConformanceCaseError(`pointer table '${b.name}' names buffer '${p}', which the case does not declare`);
            return t.ptr;
          }),
        );
        ctx.copyToDevice(inst.get(b.name)!, table);
      }
    } catch (e) {
      for (const b of inst.values()) b.dispose();
      throw e;
    }
    return inst;
  }

  #queue(c: ConformanceCase, inst: Instance, stream: CudaStream): void {
    for (const l of c.launches) {
      const params: KernelParam[] = orderedArgs(l).map(({ name, type, arg }) => {
        if (typeof arg === 'number') return type === 'u64' ? { type, value: BigInt(arg) } : { type, value: arg };
        const b = inst.get(arg.buf);
        if (!b) throw new ConformanceCaseError(`${l.kernel.name}: parameter '${name}' names buffer '${arg.buf}', which the case does not declare`);
        return { type: 'u64', value: b.ptr + BigInt(arg.offset ?? 0) };
      });
      stream.launch(this.functionOf(l.kernel), { grid: [...l.grid], block: [...l.block], params });
    }
  }

  #time(c: ConformanceCase, instances: Instance[], stream: CudaStream, samples: number): CaseTiming {
    const copies = instances.length;
    const minSample = this.#opts.minSampleMicros ?? 2000;
    const repeat = (n: number): number => {
      const t0 = process.hrtime.bigint();
      for (let r = 0; r < n; r++) this.#queue(c, instances[r % copies], stream);
      stream.synchronize();
      return Number(process.hrtime.bigint() - t0) / 1e3;
    };
    repeat(copies); // warm-up: every instance touched once
    const per = repeat(copies) / copies;
    const reps = Math.min(4096, Math.max(copies, Math.ceil(minSample / Math.max(per, 0.5) / copies) * copies));
    const usStream = median(Array.from({ length: samples }, () => repeat(reps) / reps));
    let usGraph: number | undefined;
    if (this.#opts.graphs ?? this.#ctx.driver.features.graphs) {
      const graph = this.#ctx.capture(stream, (s) => {
        for (let r = 0; r < reps; r++) this.#queue(c, instances[r % copies], s);
      });
      try {
        graph.launch(stream);
        stream.synchronize();
        usGraph = median(
          Array.from({ length: samples }, () => {
            const t0 = process.hrtime.bigint();
            graph.launch(stream);
            stream.synchronize();
            return Number(process.hrtime.bigint() - t0) / 1e3 / reps;
          }),
        );
      } finally {
        graph.dispose();
      }
    }
    return { us: usGraph ?? usStream, usStream, usGraph, copies, repetitions: reps, samples };
  }
}
