/**
 * A {@link GpuDevice} over the CUDA driver binding: memory from `cuMemAlloc`, synchronous copies
 * on the NULL stream, and kernels emitted as PTX for the device's SM (`emitModule(sm, [kernel])`),
 * JIT-loaded once per kernel object and cached with their function handle.
 *
 * CUDA graphs (step-graphs.ts decides what to record): {@link CudaDevice.captureGraph} captures a
 * recorded decode step on a private non-blocking stream — the staging copy from pinned host
 * memory (cuMemcpyHtoDAsync, a memcpy node that reads the pinned buffer at every replay) then the
 * launches — and instantiates it; replays are one cuGraphLaunch on the NULL stream, ordered with
 * the eager launches and the synchronous copies. Kernels are JIT-loaded and parameters packed
 * before the capture begins, so nothing synchronous happens while the stream is capturing.
 * Staging copies and replays are asynchronous: {@link CudaDevice.stagingIdle} waits for them
 * (only when one is queued and no synchronous read has drained the device since) before JS
 * rewrites the pinned buffer.
 */
import { CudaContext, type CudaFunction, type PinnedHostBuffer } from '../driver/cuda-context.js';
import type { CudaStream, LaunchConfig } from '../driver/cuda-stream.js';
import type { KernelParam } from '../driver/kernel-params.js';
import { loadCudaDriver } from '../driver/load-cuda-driver.js';
import type { DeviceBuffer } from '../driver/device-memory.js';
import { type Kernel, type SmTarget, emitModule } from '../ptx/kernel.js';
import { type DeviceAddress, type DeviceGraph, type DeviceLaunch, type DeviceStaging, type GpuDevice, GpuDeviceError, smTargetFor } from './gpu-device.js';

/** Result of {@link openCudaDevice}: a device, or why there is none. */
export type CudaDeviceOpen = { readonly device: CudaDevice } | { readonly device: null; readonly reason: string };

/** Why CUDA device `ordinal` cannot run the backend, or null when it can; never throws. */
export function cudaUnavailableReason(ordinal = 0): string | null {
  const r = loadCudaDriver();
  if (!r.driver) return r.reason;
  try {
    const info = r.driver.device(ordinal);
    const cc = info.computeCapability;
    if (!smTargetFor(cc.major, cc.minor)) return `${info.name} is sm_${cc.major}${cc.minor}: the kernels need sm_80 (Ampere) or newer`;
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Opens CUDA device `ordinal` for the backend; never throws. */
export function openCudaDevice(ordinal = 0): CudaDeviceOpen {
  const why = cudaUnavailableReason(ordinal);
  if (why !== null) return { device: null, reason: why };
  const r = loadCudaDriver();
  try {
    return { device: new CudaDevice(r.driver!.createContext(ordinal)) };
  } catch (e) {
    return { device: null, reason: `creating a CUDA context failed: ${(e as Error).message}` };
  }
}

/** The CUDA device (see the module comment). */
export class CudaDevice implements GpuDevice {
  readonly kind = 'cuda' as const;
  readonly sm: SmTarget;
  readonly multiprocessors: number;
  /** Kernels JIT-loaded so far, and the wall time ptxas took for them (ms). */
  readonly jit = { modules: 0, ms: 0 };
  private readonly buffers = new Map<DeviceAddress, DeviceBuffer>();
  private readonly functions = new WeakMap<Kernel, CudaFunction>();
  private readonly pinned = new Map<DeviceAddress, PinnedHostBuffer>();
  /** The stream graphs are captured on (created on first capture). */
  private captureStream: CudaStream | undefined;
  /** An asynchronous staging copy or graph replay was queued since the device last drained. */
  private asyncQueued = false;

  constructor(readonly ctx: CudaContext) {
    const cc = ctx.device.computeCapability;
    const sm = smTargetFor(cc.major, cc.minor);
    if (!sm) throw new GpuDeviceError(`${ctx.device.name} (sm_${cc.major}${cc.minor}) is older than sm_80, which the kernels need`);
    this.sm = sm;
    this.multiprocessors = ctx.device.multiprocessors;
  }

  get description(): string {
    const d = this.ctx.device;
    return `${d.name} (${d.sm}, ${d.multiprocessors} SMs, kernels built for ${this.sm}, CUDA ${this.ctx.driver.versionString})`;
  }

  alloc(bytes: number): DeviceAddress {
    const b = this.ctx.alloc(bytes);
    const addr = Number(b.ptr);
    if (!Number.isSafeInteger(addr)) throw new GpuDeviceError(`device address 0x${b.ptr.toString(16)} does not fit a JS number`);
    this.buffers.set(addr, b);
    return addr;
  }

  free(addr: DeviceAddress): void {
    const b = this.buffers.get(addr);
    if (!b) throw new GpuDeviceError(`free(0x${addr.toString(16)}): not an address returned by alloc, or freed twice`);
    this.buffers.delete(addr);
    b.dispose();
  }

  upload(dst: DeviceAddress, src: ArrayBufferView): void {
    if (src.byteLength > 0) this.ctx.copyToDevice(BigInt(dst), src);
  }

  download(dst: ArrayBufferView, src: DeviceAddress): void {
    if (dst.byteLength > 0) {
      this.ctx.copyToHost(dst, BigInt(src));
      if (this.asyncQueued) {
        // A synchronous device→host copy on the NULL stream returns after all earlier work:
        // the staging copies and replays queued there are done, and the stream may let go of
        // the host buffers it keeps for them (one entry per replay otherwise, until a sync).
        this.asyncQueued = false;
        this.ctx.defaultStream.settled();
      }
    }
  }

  copy(dst: DeviceAddress, src: DeviceAddress, bytes: number): void {
    if (bytes === 0 || dst === src) return;
    const gap = Math.abs(dst - src);
    if (gap >= bytes) {
      this.ctx.copyDeviceToDevice(BigInt(dst), BigInt(src), bytes);
      return;
    }
    // cuMemcpyDtoD leaves overlapping ranges undefined: move in chunks of the gap, each chunk
    // disjoint from the part of the source still to be read (forward when dst < src, else backward).
    if (dst < src) {
      for (let o = 0; o < bytes; o += gap) this.ctx.copyDeviceToDevice(BigInt(dst + o), BigInt(src + o), Math.min(gap, bytes - o));
    } else {
      for (let end = bytes; end > 0; end -= gap) {
        const n = Math.min(gap, end);
        this.ctx.copyDeviceToDevice(BigInt(dst + end - n), BigInt(src + end - n), n);
      }
    }
  }

  launch(l: DeviceLaunch): void {
    const { fn, config } = this.prepare(l);
    this.ctx.launch(fn, config);
  }

  synchronize(): void {
    this.ctx.synchronize();
    this.asyncQueued = false;
  }

  get graphUnavailable(): string | null {
    const f = this.ctx.driver.features;
    if (!f.graphs) return 'the CUDA driver lacks the stream-capture / graph entry points (update the NVIDIA driver)';
    if (!f.pinnedHost) return 'the CUDA driver lacks pinned host memory (cuMemAllocHost_v2), which captured staging copies read';
    return null;
  }

  allocStaging(bytes: number): DeviceStaging {
    const pinned = this.ctx.allocHost(bytes);
    let addr: DeviceAddress;
    try {
      addr = this.alloc(bytes);
    } catch (e) {
      pinned.dispose();
      throw e;
    }
    this.pinned.set(addr, pinned);
    return { host: new Uint8Array(pinned.buffer), addr, bytes };
  }

  freeStaging(s: DeviceStaging): void {
    const pinned = this.pinned.get(s.addr);
    if (!pinned) throw new GpuDeviceError(`freeStaging(0x${s.addr.toString(16)}): not staging memory of this device, or freed twice`);
    this.stagingIdle(); // no queued copy may still read the pinned buffer
    this.pinned.delete(s.addr);
    pinned.dispose();
    this.free(s.addr);
  }

  stage(s: DeviceStaging, bytes: number): void {
    if (bytes === 0) return;
    this.ctx.defaultStream.copyToDeviceAsync(BigInt(s.addr), s.host.subarray(0, bytes));
    this.asyncQueued = true;
  }

  stagingIdle(): void {
    if (this.asyncQueued) this.synchronize();
  }

  captureGraph(staging: DeviceStaging, stagingBytes: number, launches: readonly DeviceLaunch[]): DeviceGraph {
    if (!this.pinned.has(staging.addr)) throw new GpuDeviceError('captureGraph: the staging memory was freed');
    // JIT and packing first: a synchronous driver call during a global-mode capture invalidates it.
    const prepared = launches.map((l) => this.prepare(l));
    this.captureStream ??= this.ctx.createStream({ nonBlocking: true });
    const graph = this.ctx.capture(this.captureStream, (s) => {
      if (stagingBytes > 0) s.copyToDeviceAsync(BigInt(staging.addr), staging.host.subarray(0, stagingBytes));
      for (const p of prepared) s.launch(p.fn, p.config);
    });
    return {
      nodes: launches.length + (stagingBytes > 0 ? 1 : 0),
      launch: () => {
        graph.launch(this.ctx.defaultStream);
        this.asyncQueued = true;
      },
      dispose: () => graph.dispose(),
    };
  }

  dispose(): void {
    this.pinned.clear(); // freed by the context's dispose, after its synchronize
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
    this.ctx.dispose();
  }

  private prepare(l: DeviceLaunch): { fn: CudaFunction; config: LaunchConfig } {
    const fn = this.function(l.kernel);
    const params: KernelParam[] = l.kernel.params.map((p) => {
      const v = l.params[p.name];
      if (v === undefined) throw new GpuDeviceError(`kernel ${l.kernel.name}: parameter '${p.name}' has no value`);
      return { type: p.type, value: p.type === 'u64' ? BigInt(v) : v };
    });
    return { fn, config: { grid: l.grid, block: l.block, sharedBytes: l.sharedBytes ?? 0, params } };
  }

  private function(k: Kernel): CudaFunction {
    let fn = this.functions.get(k);
    if (!fn) {
      const m = this.ctx.loadModule(emitModule(this.sm, [k]));
      this.jit.modules++;
      this.jit.ms += m.jitMs;
      fn = m.function(k.name);
      this.functions.set(k, fn);
    }
    return fn;
  }
}
