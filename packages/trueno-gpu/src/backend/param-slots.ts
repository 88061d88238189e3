/**
 * Device memory for the small per-call inputs of the GPU backend's kernels (positions, attention
 * lengths and cache-pointer tables, argmax partials): grow-only slots by name. An upload whose
 * bytes equal the slot's previous upload is skipped, so within a decode step the positions and
 * lengths cross PCIe once, not once per layer, and the per-layer pointer tables only when a cache
 * moves. (On CUDA a synchronous host→device copy also waits for the queued kernels, so each
 * skipped copy is a skipped pipeline drain.)
 *
 * While a decode step defers its launches (step-graphs.ts), a slot that grows must not free its
 * old memory, which a pending launch may still name: frees are held until the step's launches
 * have been issued ({@link ParamSlots.hold} / {@link ParamSlots.release}).
 */
import type { DeviceAddress, GpuDevice } from './gpu-device.js';
import type { TransferCounter } from './gpu-stats.js';

interface Slot {
  addr: DeviceAddress;
  bytes: number;
  /** The bytes last uploaded (valid prefix `used`), or used = -1 when a kernel may have written the slot. */
  shadow: Uint8Array;
  used: number;
}

/** Keyed pointer-table slots kept before they are dropped (one per layer cache of the live sessions). */
const MAX_TABLE_SLOTS = 4096;

/** The slots of one backend (see the module comment). */
export class ParamSlots {
  private readonly slots = new Map<string, Slot>();
  private tables = 0;
  private u32 = new Uint32Array(0);
  private ptrs = new BigUint64Array(0);
  private held: DeviceAddress[] | undefined;

  constructor(
    private readonly device: GpuDevice,
    private readonly counter: TransferCounter,
  ) {}

  /** `bytes` of device scratch in `slot` that kernels write (contents unspecified). */
  scratch(slot: string, bytes: number): DeviceAddress {
    const s = this.slot(slot, bytes);
    s.used = -1;
    return s.addr;
  }

  /** Uploads `data` into `slot` unless it holds these bytes already; returns its address. */
  upload(slot: string, data: ArrayBufferView): DeviceAddress {
    const s = this.slot(slot, data.byteLength);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (s.used === bytes.length && equal(s.shadow, bytes)) return s.addr;
    this.device.upload(s.addr, bytes);
    this.counter.add(bytes.length);
    s.shadow.set(bytes);
    s.used = bytes.length;
    return s.addr;
  }

  /** `values[0..n)` as u32 in `slot`. */
  u32s(slot: string, values: ArrayLike<number>, n: number): DeviceAddress {
    if (values instanceof Uint32Array || values instanceof Int32Array) return this.upload(slot, values.subarray(0, n));
    if (this.u32.length < n) this.u32 = new Uint32Array(Math.max(n, 2 * this.u32.length));
    for (let i = 0; i < n; i++) this.u32[i] = values[i];
    return this.upload(slot, this.u32.subarray(0, n));
  }

  /** A table of `n` copies of device address `addr` (u64), kept per `key` (e.g. one per layer cache). */
  pointerTable(key: string, addr: DeviceAddress, n: number): DeviceAddress {
    const slot = `${key}@${addr}`;
    if (!this.slots.has(slot) && ++this.tables > MAX_TABLE_SLOTS) this.dropTables();
    if (this.ptrs.length < n) this.ptrs = new BigUint64Array(Math.max(n, 2 * this.ptrs.length));
    const t = this.ptrs.subarray(0, n);
    t.fill(BigInt(addr));
    return this.upload(slot, t);
  }

  /** Holds frees of slot memory until {@link release}. */
  hold(): void {
    this.held ??= [];
  }

  /** Frees what was held. */
  release(): void {
    const h = this.held;
    this.held = undefined;
    if (h) for (const a of h) this.device.free(a);
  }

  /** Frees every slot. */
  dispose(): void {
    this.release();
    for (const s of this.slots.values()) this.device.free(s.addr);
    this.slots.clear();
  }

  private free(addr: DeviceAddress): void {
    if (this.held) this.held.push(addr);
    else this.device.free(addr);
  }

  private dropTables(): void {
    for (const [k, s] of this.slots) {
      if (k.includes('@')) {
        this.free(s.addr);
        this.slots.delete(k);
      }
    }
    this.tables = 1;
  }

  private slot(name: string, bytes: number): Slot {
    let s = this.slots.get(name);
    if (!s || s.bytes < bytes) {
      if (s) this.free(s.addr);
      const size = Math.max(bytes, s ? Math.ceil(s.bytes * 1.5) : 256);
      s = { addr: this.device.alloc(size), bytes: size, shadow: new Uint8Array(size), used: -1 };
      this.slots.set(name, s);
    }
    return s;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
