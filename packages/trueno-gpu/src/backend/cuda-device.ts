/**
 * A {@link GpuDevice} over the CUDA driver binding: memory from `cuMemAlloc`, synchronous copies
 * on the NULL stream, and kernels emitted as PTX for the device's SM (`emitModule(sm, [kernel])`),
 * JIT-loaded once per kernel object and cached with their function handle.
 *
 * CUDA graphs are not used yet. What a replayable decode step has already: positions, KV-store
 * rows and attention lengths reach the kernels through device tables (ParamSlots), so a decode
 * step's kernel parameters are the same every token. What it lacks: (1) the backend is driven
 * one op at a time from JS, so capture would need a "record this step's launches, replay while
 * the op sequence matches" layer; (2) the per-token inputs are synchronous copies on the NULL
 * stream, which cannot be captured (they would have to precede the graph launch from pinned
 * memory); (3) the split-K plan's grid grows with the context, so a graph holds only while the
 * split count is unchanged. None of this can be tested without a GPU (the fake libcuda records
 * calls but runs no kernels), so it is left for a machine that has one.
 */
import { CudaContext, type CudaFunction } from '../driver/cuda-context.js';
import type { KernelParam } from '../driver/kernel-params.js';
import { loadCudaDriver } from '../driver/load-cuda-driver.js';
import type { DeviceBuffer } from '../driver/device-memory.js';
import { type Kernel, type SmTarget, emitModule } from '../ptx/kernel.js';
import { type DeviceAddress, type DeviceLaunch, type GpuDevice, GpuDeviceError, smTargetFor } from './gpu-device.js';

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
    if (dst.byteLength > 0) this.ctx.copyToHost(dst, BigInt(src));
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
    const fn = this.function(l.kernel);
    const params: KernelParam[] = l.kernel.params.map((p) => {
      const v = l.params[p.name];
      if (v === undefined) throw new GpuDeviceError(`kernel ${l.kernel.name}: parameter '${p.name}' has no value`);
      return { type: p.type, value: p.type === 'u64' ? BigInt(v) : v };
    });
    this.ctx.launch(fn, { grid: l.grid, block: l.block, sharedBytes: l.sharedBytes ?? 0, params });
  }

  synchronize(): void {
    this.ctx.synchronize();
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
    this.ctx.dispose();
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
