/**
 * A CUDA context on one device (its retained primary context): PTX modules and their kernels,
 * device memory, copies, streams, launches and graph capture, and the bookkeeping that frees all
 * of it in {@link CudaContext.dispose}. Every method makes this context current on the calling
 * thread first (cuCtxSetCurrent only when another context was current).
 */
import type { CudaDeviceInfo, CudaDriver } from './cuda-driver.js';
import { CudaOutOfMemoryError, CudaUsageError, cudaCall, toCudaError } from './cuda-error.js';
import { type CaptureMode, CudaGraph, CudaStream, type LaunchConfig, type StreamHost, dim3 } from './cuda-stream.js';
import { DeviceBuffer, type DevicePointer, devicePtr, formatBytes } from './device-memory.js';
import { checkParams, packParams } from './kernel-params.js';
import type { HostMemory, NativeCudaLibrary } from './native-binding.js';
import { type PtxHeader, type PtxParamType, jitAdvice, parsePtxHeader } from './ptx-header.js';

const JIT_CODES = new Set([200, 209, 218, 221, 222, 300]);
const CU_FUNC_ATTRIBUTE_NUM_REGS = 4;
const CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

/** The context current on this thread, per libcuda (a worker thread has its own module state). */
const currentByLibrary = new Map<string, CudaContext | null>();

/** A kernel of a loaded module. */
export class CudaFunction {
  readonly name: string;
  /** CUfunction handle. */
  readonly handle: bigint;
  /** Parameter types from the PTX `.entry` (undefined when the signature was not found). */
  readonly params?: readonly (PtxParamType | undefined)[];
  readonly module: CudaModule;

  /** @internal Made by CudaModule.function. */
  constructor(module: CudaModule, name: string, handle: bigint, params?: readonly (PtxParamType | undefined)[]) {
    this.module = module;
    this.name = name;
    this.handle = handle;
    this.params = params;
  }
}

/** A loaded PTX module. */
export class CudaModule {
  /** CUmodule handle. */
  readonly handle: bigint;
  /** The JIT's info log (ptxas register / spill report when loaded with `verbose`). */
  readonly infoLog: string;
  /** JIT wall time in ms as the driver reports it. */
  readonly jitMs: number;
  readonly header: PtxHeader;
  readonly #ctx: CudaContext;
  readonly #lib: NativeCudaLibrary;
  readonly #functions = new Map<string, CudaFunction>();
  #disposed = false;

  /** @internal Made by CudaContext.loadModule. */
  constructor(ctx: CudaContext, lib: NativeCudaLibrary, loaded: { module: bigint; infoLog: string; wallMs: number }, header: PtxHeader) {
    this.#ctx = ctx;
    this.#lib = lib;
    this.handle = loaded.module;
    this.infoLog = loaded.infoLog;
    this.jitMs = loaded.wallMs;
    this.header = header;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** The kernel `name` (cached); throws a CudaError (CUDA_ERROR_NOT_FOUND) listing the module's entries when absent. */
  function(name: string): CudaFunction {
    if (this.#disposed) throw new CudaUsageError(`function('${name}') on an unloaded CudaModule`);
    let f = this.#functions.get(name);
    if (!f) {
      this.#ctx.bind();
      const entries = this.header.entries.map((e) => e.name).join(', ') || 'none found';
      const handle = cudaCall(`looking up kernel '${name}' (module entries: ${entries})`, () => this.#lib.moduleGetFunction(this.handle, name));
      f = new CudaFunction(this, name, handle, this.header.entries.find((e) => e.name === name)?.params);
      this.#functions.set(name, f);
    }
    return f;
  }

  /** Registers the kernel uses (cuFuncGetAttribute NUM_REGS). */
  registers(fn: CudaFunction): number {
    this.#ctx.bind();
    return cudaCall(`reading the register count of ${fn.name}`, () => this.#lib.funcGetAttribute(fn.handle, CU_FUNC_ATTRIBUTE_NUM_REGS));
  }

  /** Lets `fn` use up to `bytes` of dynamic shared memory (needed above 48 KiB). */
  setMaxDynamicSharedBytes(fn: CudaFunction, bytes: number): void {
    this.#ctx.bind();
    cudaCall(`allowing ${fn.name} ${bytes} bytes of dynamic shared memory (device opt-in limit ${this.#ctx.device.sharedBytesPerBlockOptin})`, () =>
      this.#lib.funcSetAttribute(fn.handle, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
    );
  }

  /** Unloads the module; its functions become unusable. A second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#ctx.bind();
    this.#lib.moduleUnload(this.handle);
    this.#ctx.released(this);
  }
}

/** Page-locked host memory: faster and truly asynchronous copies. */
export interface PinnedHostBuffer {
  /** The memory (detached once disposed). */
  readonly buffer: ArrayBuffer;
  dispose(): void;
}

/** A context on one device. */
export class CudaContext {
  readonly device: CudaDeviceInfo;
  readonly driver: CudaDriver;
  /** CUcontext handle (the device's primary context). */
  readonly handle: bigint;
  /** The NULL stream: ordered with all blocking streams of the context. */
  readonly defaultStream: CudaStream;
  readonly #lib: NativeCudaLibrary;
  readonly #onDispose: () => void;
  readonly #buffers = new Set<DeviceBuffer>();
  readonly #modules = new Set<CudaModule>();
  readonly #streams = new Set<CudaStream>();
  readonly #graphs = new Set<CudaGraph>();
  readonly #pinned = new Set<ArrayBuffer>();
  readonly #host: StreamHost;
  #slots: Uint8Array = new Uint8Array(64);
  #disposed = false;

  /** @internal Made by CudaDriver.createContext. */
  constructor(lib: NativeCudaLibrary, driver: CudaDriver, device: CudaDeviceInfo, onDispose: () => void) {
    this.#lib = lib;
    this.driver = driver;
    this.device = device;
    this.#onDispose = onDispose;
    this.handle = cudaCall(`retaining the primary context of ${device.name}`, () => lib.primaryCtxRetain(lib.device(device.ordinal)));
    this.#host = {
      lib,
      graphs: driver.features.graphs,
      bind: () => this.bind(),
      launchOn: (stream, fn, config) => this.#launch(stream, fn, config),
      released: (x) => this.released(x),
      adopt: (g) => this.#graphs.add(g),
    };
    this.defaultStream = new CudaStream(this.#host, 0n);
    this.bind();
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Makes this context current on the calling thread (a no-op when it already is). */
  bind(): void {
    if (this.#disposed) throw new CudaUsageError(`use of a disposed CudaContext (${this.device.name})`);
    if (currentByLibrary.get(this.driver.libraryPath) === this) return;
    cudaCall('making the CUDA context current', () => this.#lib.ctxSetCurrent(this.handle));
    currentByLibrary.set(this.driver.libraryPath, this);
  }

  /**
   * JIT-compiles a PTX module. A rejected module throws CudaJitError whose message says what to
   * do (update the driver for a newer PTX ISA, lower the .target) and carries the ptxas log.
   */
  loadModule(ptx: string, opts: { verbose?: boolean } = {}): CudaModule {
    this.bind();
    const header = parsePtxHeader(ptx);
    const names = header.entries.map((e) => e.name).join(', ') || 'no .entry found';
    let loaded: { module: bigint; infoLog: string; wallMs: number };
    try {
      loaded = this.#lib.moduleLoad(ptx, opts.verbose ?? false);
    } catch (e) {
      const f = e as { cuCode?: number; jitLog?: string };
      const jit = f.jitLog !== undefined || JIT_CODES.has(f.cuCode ?? -1);
      const cc = this.device.computeCapability;
      const advice = jit ? jitAdvice(header, cc.major * 10 + cc.minor, this.driver.version) : undefined;
      throw toCudaError(e, `loading a PTX module (${names}) on ${this.device.name} (${this.device.sm})`, advice);
    }
    const m = new CudaModule(this, this.#lib, loaded, header);
    this.#modules.add(m);
    return m;
  }

  /** Allocates `bytes` of device memory (uninitialized). Out of memory throws CudaOutOfMemoryError with the free/total. */
  alloc(bytes: number): DeviceBuffer {
    this.bind();
    if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new CudaUsageError(`alloc(${bytes}): size must be a positive integer number of bytes`);
    let ptr: bigint;
    try {
      ptr = this.#lib.memAlloc(bytes);
    } catch (e) {
      const what = `allocating ${formatBytes(bytes)} on ${this.device.name}`;
      const err = toCudaError(e, what);
      if (err instanceof CudaOutOfMemoryError) {
        let free = '';
        try {
          const m = this.#lib.memGetInfo();
          free = `${formatBytes(m.free)} of ${formatBytes(m.total)} free; `;
        } catch {
          // cuMemGetInfo missing: no numbers to add.
        }
        throw toCudaError(e, what, `${free}free device buffers or use a smaller model, context or batch`);
      }
      throw err;
    }
    const b = new DeviceBuffer(ptr, bytes, (x) => this.#free(x));
    this.#buffers.add(b);
    return b;
  }

  /** Copies all of `src` to `dst` and returns when done. */
  copyToDevice(dst: DevicePointer, src: HostMemory): void {
    const p = devicePtr(dst, src.byteLength, 'copyToDevice');
    this.bind();
    cudaCall(`copying ${formatBytes(src.byteLength)} host→device`, () => this.#lib.memcpyHtoD(p, src));
  }

  /** Fills all of `dst` from `src` and returns when done (after all prior work on the NULL stream). */
  copyToHost(dst: HostMemory, src: DevicePointer): void {
    const p = devicePtr(src, dst.byteLength, 'copyToHost');
    this.bind();
    cudaCall(`copying ${formatBytes(dst.byteLength)} device→host`, () => this.#lib.memcpyDtoH(dst, p));
  }

  /** Copies `bytes` between device addresses. */
  copyDeviceToDevice(dst: DevicePointer, src: DevicePointer, bytes: number): void {
    const d = devicePtr(dst, bytes, 'copyDeviceToDevice');
    const s = devicePtr(src, bytes, 'copyDeviceToDevice');
    this.bind();
    cudaCall(`copying ${formatBytes(bytes)} device→device`, () => this.#lib.memcpyDtoD(d, s, bytes));
  }

  /** Sets `bytes` bytes at `dst` (default: all of a DeviceBuffer) to `value`. */
  memset(dst: DevicePointer, value: number, bytes = typeof dst === 'bigint' ? 0 : dst.bytes): void {
    const p = devicePtr(dst, bytes, 'memset');
    this.bind();
    cudaCall(`setting ${formatBytes(bytes)} of device memory to ${value}`, () => this.#lib.memsetD8(p, value, bytes));
  }

  /** Page-locked host memory of `bytes` bytes (needs the driver's cuMemAllocHost_v2). */
  allocHost(bytes: number): PinnedHostBuffer {
    this.bind();
    if (!this.driver.features.pinnedHost) throw new CudaUsageError('pinned host memory: the driver lacks cuMemAllocHost_v2/cuMemFreeHost');
    const buffer = cudaCall(`allocating ${formatBytes(bytes)} of pinned host memory`, () => this.#lib.memAllocHost(bytes));
    this.#pinned.add(buffer);
    return {
      buffer,
      dispose: () => {
        if (!this.#pinned.delete(buffer)) return;
        this.bind();
        this.#lib.memFreeHost(buffer);
      },
    };
  }

  /** A new stream (`nonBlocking`: not ordered with the NULL stream). */
  createStream(opts: { nonBlocking?: boolean } = {}): CudaStream {
    this.bind();
    const s = new CudaStream(this.#host, cudaCall('creating a CUDA stream', () => this.#lib.streamCreate(opts.nonBlocking ? 1 : 0)));
    this.#streams.add(s);
    return s;
  }

  /** Launches a kernel on `stream` (default: the NULL stream). */
  launch(fn: CudaFunction, config: LaunchConfig & { readonly stream?: CudaStream }): void {
    (config.stream ?? this.defaultStream).launch(fn, config);
  }

  /**
   * Records what `record(stream)` queues on `stream` into a graph (stream capture), ending the
   * capture even when `record` throws. Launch the result with `graph.launch(stream)`.
   */
  capture(stream: CudaStream, record: (s: CudaStream) => void, mode?: CaptureMode): CudaGraph {
    stream.beginCapture(mode);
    try {
      record(stream);
    } catch (e) {
      try {
        stream.endCapture().dispose();
      } catch {
        // The capture was invalidated; the original error says why.
      }
      throw e;
    }
    return stream.endCapture();
  }

  /** Waits for all work of the context; releases the host buffers every stream held. */
  synchronize(): void {
    this.bind();
    cudaCall(`synchronizing ${this.device.name}`, () => this.#lib.ctxSynchronize());
    this.defaultStream.settled();
    for (const s of this.#streams) s.settled();
  }

  /** Live resources, for leak checks. */
  get resources(): { buffers: number; modules: number; streams: number; graphs: number; pinned: number } {
    return { buffers: this.#buffers.size, modules: this.#modules.size, streams: this.#streams.size, graphs: this.#graphs.size, pinned: this.#pinned.size };
  }

  /**
   * Frees everything this context made (after a best-effort synchronize) and releases the
   * primary context. Driver errors during cleanup are ignored: a faulted context is torn down
   * by the release anyway. A second call does nothing.
   */
  dispose(): void {
    if (this.#disposed) return;
    const quiet = (f: () => void) => {
      try {
        f();
      } catch {
        // best effort, see above
      }
    };
    quiet(() => this.synchronize());
    for (const g of [...this.#graphs]) quiet(() => g.dispose());
    for (const s of [...this.#streams]) quiet(() => s.dispose());
    for (const m of [...this.#modules]) quiet(() => m.dispose());
    for (const b of [...this.#buffers]) quiet(() => b.dispose());
    for (const p of [...this.#pinned]) quiet(() => this.#lib.memFreeHost(p));
    this.#pinned.clear();
    this.#disposed = true;
    if (currentByLibrary.get(this.driver.libraryPath) === this) {
      quiet(() => this.#lib.ctxSetCurrent(0n));
      currentByLibrary.set(this.driver.libraryPath, null);
    }
    quiet(() => this.#lib.primaryCtxRelease(this.#lib.device(this.device.ordinal)));
    this.#onDispose();
  }

  /** @internal A child resource was disposed. */
  released(x: CudaStream | CudaGraph | CudaModule): void {
    if (x instanceof CudaStream) this.#streams.delete(x);
    else if (x instanceof CudaGraph) this.#graphs.delete(x);
    else this.#modules.delete(x);
  }

  #free(b: DeviceBuffer): void {
    if (!this.#buffers.delete(b)) return;
    this.bind();
    cudaCall(`freeing ${formatBytes(b.bytes)} of device memory`, () => this.#lib.memFree(b.ptr));
  }

  #launch(stream: bigint, fn: CudaFunction, config: LaunchConfig): void {
    if (!(fn instanceof CudaFunction)) throw new CudaUsageError('launch: expected a CudaFunction from CudaModule.function()');
    if (fn.module.disposed) throw new CudaUsageError(`launch of ${fn.name}: its module was unloaded`);
    const grid = dim3(config.grid, `launch of ${fn.name}: grid`);
    const block = dim3(config.block, `launch of ${fn.name}: block`);
    const shared = config.sharedBytes ?? 0;
    if (fn.params) checkParams(fn.name, fn.params, config.params);
    this.#slots = packParams(config.params, this.#slots);
    cudaCall(
      () => `launching ${fn.name} grid [${grid.join(', ')}] block [${block.join(', ')}] shared ${shared} B`,
      () => this.#lib.launch(fn.handle, grid[0], grid[1], grid[2], block[0], block[1], block[2], shared, stream, this.#slots, config.params.length),
    );
  }
}
