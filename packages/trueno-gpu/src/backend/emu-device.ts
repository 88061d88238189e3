/**
 * A {@link GpuDevice} that runs the kernels' IR in the PTX emulator over one flat
 * {@link EmuMemory}: the oracle device of the GPU backend's tests (no GPU needed). Memory is a
 * fixed arena; freed blocks are kept in a first-fit free list and reused whole.
 */
import { emulate } from '../emu/emulate.js';
import { EmuMemory } from '../emu/memory.js';
import type { SmTarget } from '../ptx/kernel.js';
import { type DeviceAddress, type DeviceLaunch, type GpuDevice, GpuDeviceError } from './gpu-device.js';

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
  /** Launches and instructions executed so far (the emulator's counters). */
  readonly counters = { launches: 0, instructions: 0 };
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
    const s = emulate(l.kernel, { grid: l.grid, block: l.block, memory: this.memory, params: l.params });
    this.counters.launches++;
    this.counters.instructions += s.instructions;
  }

  synchronize(): void {
    // Emulated launches complete before launch() returns.
  }

  dispose(): void {
    this.sizes.clear();
    this.freeList.length = 0;
  }
}
