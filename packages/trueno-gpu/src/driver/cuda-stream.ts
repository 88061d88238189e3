/**
 * Streams and graphs. An async copy reads or writes JS memory after the call returns, so a
 * {@link CudaStream} keeps a reference to every host buffer of a pending async copy until the
 * stream (or its context) is synchronized — the garbage collector cannot free memory the GPU will
 * still touch. Copies recorded by stream capture are kept by the {@link CudaGraph} instead, for as
 * long as it exists, since every replay reads them again (and by the stream it was last launched
 * on, until that stream's next sync, so disposing a graph mid-flight is safe).
 *
 * The caller must still not *change* a source buffer before the copy has run (sync first).
 */
import type { CudaFunction } from './cuda-context.js';
import { CudaCaptureError, CudaNotSupportedError, CudaUsageError, cudaCall } from './cuda-error.js';
import { type DevicePointer, devicePtr } from './device-memory.js';
import type { KernelParam } from './kernel-params.js';
import type { HostMemory, NativeCudaLibrary } from './native-binding.js';

/** A 1-3D extent: `n` = `[n, 1, 1]`. */
export type Dim3 = number | readonly [number, number?, number?];

/** How to launch a kernel. */
export interface LaunchConfig {
  readonly grid: Dim3;
  readonly block: Dim3;
  /** Dynamic shared memory per block, bytes (default 0). */
  readonly sharedBytes?: number;
  readonly params: readonly KernelParam[];
}

/** Stream capture mode (cuda.h CUstreamCaptureMode): which other threads' unsafe calls are refused. */
export type CaptureMode = 'global' | 'thread-local' | 'relaxed';
const CAPTURE_MODE: Record<CaptureMode, number> = { global: 0, 'thread-local': 1, relaxed: 2 };

/** What a stream needs from its context (kept internal to the driver package). */
export interface StreamHost {
  readonly lib: NativeCudaLibrary;
  readonly graphs: boolean;
  bind(): void;
  /** Launches `fn` on `stream` (checks, packing and the typed error live in the context). */
  launchOn(stream: bigint, fn: CudaFunction, config: LaunchConfig): void;
  released(s: CudaStream | CudaGraph): void;
  adopt(g: CudaGraph): void;
}

/** A CUDA stream: ordered async work. The context's {@link CudaContext.defaultStream} is the NULL stream. */
export class CudaStream {
  /** CUstream handle (0n for the NULL stream). */
  readonly handle: bigint;
  readonly #host: StreamHost;
  #pending: unknown[] = [];
  #captured: unknown[] | null = null;
  #disposed = false;

  /** @internal Made by CudaContext.createStream. */
  constructor(host: StreamHost, handle: bigint) {
    this.#host = host;
    this.handle = handle;
  }

  /** Host buffers (or graphs' buffer lists) kept alive until the next sync. */
  get pendingHostBuffers(): number {
    return this.#pending.length;
  }

  /** True between {@link beginCapture} and {@link endCapture}. */
  get capturing(): boolean {
    return this.#captured !== null;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Queues a copy of all of `src` to `dst`; `src` is kept alive until the next sync. */
  copyToDeviceAsync(dst: DevicePointer, src: HostMemory): void {
    const p = devicePtr(dst, src.byteLength, 'copyToDeviceAsync');
    this.#use();
    cudaCall(`queuing a ${src.byteLength}-byte host→device copy`, () => this.#host.lib.memcpyHtoDAsync(p, src, this.handle));
    this.#retain(src);
  }

  /** Queues a copy into all of `dst` from `src`; `dst` is written at the next sync at the latest. */
  copyToHostAsync(dst: HostMemory, src: DevicePointer): void {
    const p = devicePtr(src, dst.byteLength, 'copyToHostAsync');
    this.#use();
    cudaCall(`queuing a ${dst.byteLength}-byte device→host copy`, () => this.#host.lib.memcpyDtoHAsync(dst, p, this.handle));
    this.#retain(dst);
  }

  /** Launches the kernel `fn` on this stream. */
  launch(fn: CudaFunction, config: LaunchConfig): void {
    this.#use();
    this.#host.launchOn(this.handle, fn, config);
  }

  /** Waits for all work queued on this stream, then releases the host buffers it held. */
  synchronize(): void {
    this.#use();
    if (this.capturing) throw new CudaUsageError('synchronize() on a stream that is being captured: end the capture first');
    cudaCall('synchronizing a CUDA stream', () => this.#host.lib.streamSynchronize(this.handle));
    this.#pending = [];
  }

  /**
   * Starts recording this stream's work into a graph instead of running it. `global` (the CUDA
   * default) makes any synchronous CUDA call in the process fail the capture.
   */
  beginCapture(mode: CaptureMode = 'global'): void {
    this.#use();
    if (!this.#host.graphs) {
      throw new CudaNotSupportedError('stream capture needs the CUDA graph entry points, which this driver lacks: update the NVIDIA driver', {
        code: 801,
        name: 'CUDA_ERROR_NOT_SUPPORTED',
        call: 'cuStreamBeginCapture_v2',
      });
    }
    if (this.handle === 0n) throw new CudaUsageError('the NULL stream cannot be captured: capture a stream from createStream()');
    if (this.capturing) throw new CudaUsageError('beginCapture() on a stream already being captured');
    cudaCall('beginning stream capture', () => this.#host.lib.streamBeginCapture(this.handle, CAPTURE_MODE[mode]));
    this.#captured = [];
  }

  /** Ends the capture and instantiates the recorded work as a {@link CudaGraph}. */
  endCapture(): CudaGraph {
    this.#use();
    const refs = this.#captured;
    if (!refs) throw new CudaUsageError('endCapture() without beginCapture()');
    this.#captured = null;
    const lib = this.#host.lib;
    const graph = cudaCall('ending stream capture', () => lib.streamEndCapture(this.handle));
    let exec: bigint;
    try {
      exec = cudaCall('instantiating the captured CUDA graph', () => lib.graphInstantiate(graph));
    } catch (e) {
      lib.graphDestroy(graph);
      throw e;
    }
    const g = new CudaGraph(this.#host, graph, exec, refs);
    this.#host.adopt(g);
    return g;
  }

  /** Synchronizes, then destroys the stream. A second call does nothing. */
  dispose(): void {
    if (this.#disposed || this.handle === 0n) return;
    this.#host.bind();
    if (this.capturing) {
      try {
        this.#host.lib.streamEndCapture(this.handle);
      } catch {
        // An invalidated capture has no graph to free.
      }
      this.#captured = null;
    }
    try {
      this.#host.lib.streamSynchronize(this.handle);
    } catch {
      // A faulted context: nothing will run any more, so the buffers are free to go.
    }
    this.#pending = [];
    this.#disposed = true;
    this.#host.lib.streamDestroy(this.handle);
    this.#host.released(this);
  }

  /** @internal The context synchronized: nothing is pending on any stream. */
  settled(): void {
    this.#pending = [];
  }

  /** @internal A graph launched here holds its buffers until this stream syncs. */
  retainGraph(refs: unknown[]): void {
    this.#pending.push(refs);
  }

  #retain(buffer: unknown): void {
    (this.#captured ?? this.#pending).push(buffer);
  }

  #use(): void {
    if (this.#disposed) throw new CudaUsageError('use of a disposed CudaStream');
    this.#host.bind();
  }
}

/** An instantiated CUDA graph (captured work), launchable many times at one driver call each. */
export class CudaGraph {
  readonly #host: StreamHost;
  readonly #graph: bigint;
  readonly #exec: bigint;
  readonly #refs: unknown[];
  #disposed = false;

  /** @internal Made by CudaStream.endCapture. */
  constructor(host: StreamHost, graph: bigint, exec: bigint, refs: unknown[]) {
    this.#host = host;
    this.#graph = graph;
    this.#exec = exec;
    this.#refs = refs;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Replays the captured work on `stream`. */
  launch(stream: CudaStream): void {
    if (this.#disposed) throw new CudaUsageError('launch of a disposed CudaGraph');
    if (stream.capturing) throw new CudaCaptureError('launching a graph into a stream being captured is not supported here', { code: 900, name: 'CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED', call: 'cuGraphLaunch' });
    this.#host.bind();
    cudaCall('launching a CUDA graph', () => this.#host.lib.graphLaunch(this.#exec, stream.handle));
    if (this.#refs.length > 0) stream.retainGraph(this.#refs);
  }

  /** Frees the graph (an in-flight launch completes first, in the driver). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#host.bind();
    this.#host.lib.graphExecDestroy(this.#exec);
    this.#host.lib.graphDestroy(this.#graph);
    this.#host.released(this);
  }
}

/** `n` or `[x, y?, z?]` → `[x, y, z]`, each a positive 32-bit integer. */
export function dim3(d: Dim3, what: string): [number, number, number] {
  const v: [number, number, number] = typeof d === 'number' ? [d, 1, 1] : [d[0], d[1] ?? 1, d[2] ?? 1];
  if (!v.every((x) => Number.isInteger(x) && x >= 1 && x <= 0xffffffff)) throw new CudaUsageError(`${what} must be positive integers, got [${v.join(', ')}]`);
  return v;
}
