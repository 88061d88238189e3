/**
 * A {@link GpuDevice} that runs the kernels' IR in the PTX emulator over one flat
 * {@link EmuMemory}: the oracle device of the GPU backend's tests (no GPU needed). Memory is a
 * fixed arena; freed blocks are kept in a first-fit free list and reused whole.
 *
 * Graphs: {@link EmuDevice.captureGraph} keeps the recorded launches (kernel, geometry, parameter
 * values: device addresses and scalars) and the staging copy; a replay copies the staging host
 * bytes as they are then and re-runs every launch over the arena's current contents — what a
 * CUDA graph does, so the step-graph logic is tested here.
 */
import { emulate } from '../emu/emulate.js';
import { EmuMemory } from '../emu/memory.js';
import type { SmTarget } from '../ptx/kernel.js';
import { type DeviceAddress, type DeviceGraph, type DeviceLaunch, type DeviceStaging, type GpuDevice, GpuDeviceError } from './gpu-device.js';

/** Options of {@link EmuDevice}. */
export interface EmuDeviceOptions {
  /** Arena size in bytes, allocated up front (default 64 MiB: a small test model, its caches and activations). */
  readonly bytes?: number;
  /** Target the kernels are built for (default sm_80; the emulator runs any). */
  readonly sm?: SmTarget;
}

/** The emulated device (see the module comment). */
export class EmuDevice implements GpuDevice {
  readonly kind = 'emu' as const;
  readonly sm: SmTarget;
  readonly multiprocessors = 4;
  readonly memory: EmuMemory;
  readonly graphUnavailable = null;
  /**
   * The emulator's counters: `launches` issued one by one through {@link launch}, graphs captured
   * and replayed, launches run inside replays, and instructions executed (both kinds).
   */
  readonly counters = { launches: 0, graphCaptures: 0, graphLaunches: 0, graphNodeLaunches: 0, instructions: 0 };
  private readonly sizes = new Map<DeviceAddress, number>();
  private readonly freeList: { addr: DeviceAddress; bytes: number }[] = [];

  constructor(opts: EmuDeviceOptions = {}) {
    this.memory = new EmuMemory(opts.bytes ?? 64 * 1024 * 1024);
    this.sm = opts.sm ?? 'sm_80';
  }

  get description(): string {
    return `PTX emulator (${this.sm} kernels, ${this.memory.bytes.length >> 20} MiB arena)`;
  }

  alloc(bytes: number): DeviceAddress {
    if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new GpuDeviceError(`alloc(${bytes}): size must be a positive integer`);
    const i = this.freeList.findIndex((f) => f.bytes >= bytes);
    let addr: number;
    let size = bytes;
    if (i >= 0) {
      ({ addr, bytes: size } = this.freeList[i]);
      this.freeList.splice(i, 1);
    } else {
      addr = this.memory.alloc(bytes, 256);
    }
    this.sizes.set(addr, size);
    return addr;
  }

  free(addr: DeviceAddress): void {
    const bytes = this.sizes.get(addr);
    if (bytes === undefined) throw new GpuDeviceError(`free(${addr}): not an address returned by alloc, or freed twice`);
    this.sizes.delete(addr);
    this.freeList.push({ addr, bytes });
  }

  upload(dst: DeviceAddress, src: ArrayBufferView): void {
    this.memory.check(dst, src.byteLength, 1, 'upload');
    this.memory.bytes.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), dst);
  }

  download(dst: ArrayBufferView, src: DeviceAddress): void {
    this.memory.check(src, dst.byteLength, 1, 'download');
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(this.memory.bytes.subarray(src, src + dst.byteLength));
  }

  copy(dst: DeviceAddress, src: DeviceAddress, bytes: number): void {
    if (bytes === 0) return;
    this.memory.check(src, bytes, 1, 'copy source');
    this.memory.check(dst, bytes, 1, 'copy destination');
    this.memory.bytes.copyWithin(dst, src, src + bytes);
  }

  launch(l: DeviceLaunch): void {
    this.run(l);
    this.counters.launches++;
  }

  allocStaging(bytes: number): DeviceStaging {
    return { host: new Uint8Array(bytes), addr: this.alloc(bytes), bytes };
  }

  freeStaging(s: DeviceStaging): void {
    this.free(s.addr);
  }

  stage(s: DeviceStaging, bytes: number): void {
    this.upload(s.addr, s.host.subarray(0, bytes));
  }

  stagingIdle(): void {
    // Copies complete before stage() returns.
  }

  captureGraph(staging: DeviceStaging, stagingBytes: number, launches: readonly DeviceLaunch[]): DeviceGraph {
    if (!this.sizes.has(staging.addr)) throw new GpuDeviceError('captureGraph: the staging memory was freed');
    // A copy of each launch's parameter values, as cuStreamBeginCapture records them.
    const recorded = launches.map((l) => ({ ...l, params: { ...l.params } }));
    this.counters.graphCaptures++;
    let live = true;
    return {
      nodes: recorded.length + 1,
      launch: () => {
        if (!live) throw new GpuDeviceError('launch of a disposed graph');
        this.stage(staging, stagingBytes);
        for (const l of recorded) this.run(l);
        this.counters.graphLaunches++;
        this.counters.graphNodeLaunches += recorded.length;
      },
      dispose: () => {
        live = false;
      },
    };
  }

  synchronize(): void {
    // Emulated launches complete before launch() returns.
  }

  private run(l: DeviceLaunch): void {
    const s = emulate(l.kernel, { grid: l.grid, block: l.block, memory: this.memory, params: l.params });
    this.counters.instructions += s.instructions;
  }

  dispose(): void {
    this.sizes.clear();
    this.freeList.length = 0;
  }
}
