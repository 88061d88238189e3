/**
 * Emulated device memory: a byte-addressed ArrayBuffer with bounds and alignment checks on every
 * access (a misaligned or out-of-range access is a fault on the GPU; here it is an
 * {@link EmuMemoryError} naming the address). Global memory reserves its first 256 bytes so that a
 * null or small integer used as a pointer faults instead of reading data.
 */
import type { PtxType } from '../ptx/types.js';
import { typeBytes } from '../ptx/types.js';

/** An out-of-bounds or misaligned access, or a pointer outside any allocation. */
export class EmuMemoryError extends Error {
  override name = 'EmuMemoryError';
}

const GUARD = 256;

/** A flat memory of one state space. */
export class EmuMemory {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  private top: number;

  /** `size` bytes; `space` names it in errors; global memory keeps the first 256 bytes unmapped. */
  constructor(
    size: number,
    readonly space: 'global' | 'shared' = 'global',
  ) {
    const base = space === 'global' ? GUARD : 0;
    this.bytes = new Uint8Array(base + size);
    this.dv = new DataView(this.bytes.buffer);
    this.top = base;
  }

  /** Reserves `bytes` (aligned to `align`, default 256 as cudaMalloc) and returns its address. */
  alloc(bytes: number, align = 256): number {
    const at = Math.ceil(this.top / align) * align;
    if (at + bytes > this.bytes.length) {
      throw new EmuMemoryError(`${this.space} memory: cannot allocate ${bytes} bytes at ${at}, size is ${this.bytes.length}; create a larger EmuMemory`);
    }
    this.top = at + bytes;
    return at;
  }

  /** Allocates and copies `data` in; returns the address. */
  upload(data: ArrayBufferView, align = 256): number {
    const at = this.alloc(data.byteLength, align);
    this.bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return at;
  }

  /** A copy of `n` float32 values at `addr`. */
  readF32(addr: number, n: number): Float32Array {
    this.check(addr, n * 4, 4, 'read');
    return new Float32Array(this.bytes.slice(addr, addr + n * 4).buffer);
  }

  /** A copy of `n` bytes at `addr`. */
  readBytes(addr: number, n: number): Uint8Array {
    this.check(addr, n, 1, 'read');
    return this.bytes.slice(addr, addr + n);
  }

  /** Throws unless `[addr, addr + size)` is mapped and `addr` is a multiple of `align`. */
  check(addr: number, size: number, align: number, what: string): void {
    const lo = this.space === 'global' ? GUARD : 0;
    if (!Number.isInteger(addr) || addr < lo || addr + size > this.bytes.length) {
      throw new EmuMemoryError(`${what} of ${size} bytes at ${this.space} address ${addr} is out of bounds (mapped ${lo}..${this.bytes.length})`);
    }
    if (addr % align !== 0) {
      throw new EmuMemoryError(`${what} of ${size} bytes at ${this.space} address ${addr} is misaligned: it must be a multiple of ${align}`);
    }
  }

  /**
   * Loads one value of `type`. Integers come back as numbers (64-bit ones exact below 2^53),
   * f32/f64 as values, f16/bf16/f16x2/bf16x2 as their bit patterns.
   */
  load(type: PtxType, addr: number): number {
    const n = typeBytes(type);
    this.check(addr, n, n, 'load');
    const dv = this.dv;
    switch (type) {
      case 'u8':
      case 'b8':
      case 'pred':
        return dv.getUint8(addr);
      case 's8':
        return dv.getInt8(addr);
      case 'u16':
      case 'b16':
      case 'f16':
      case 'bf16':
        return dv.getUint16(addr, true);
      case 's16':
        return dv.getInt16(addr, true);
      case 'u32':
      case 'b32':
      case 'f16x2':
      case 'bf16x2':
        return dv.getUint32(addr, true);
      case 's32':
        return dv.getInt32(addr, true);
      case 'f32':
        return dv.getFloat32(addr, true);
      case 'f64':
        return dv.getFloat64(addr, true);
      case 'u64':
      case 'b64':
        return dv.getUint32(addr, true) + dv.getUint32(addr + 4, true) * 4294967296;
      case 's64':
        return dv.getUint32(addr, true) + dv.getInt32(addr + 4, true) * 4294967296;
    }
  }

  /** Stores `v` (in the convention of {@link load}) as `type`. */
  store(type: PtxType, addr: number, v: number): void {
    const n = typeBytes(type);
    this.check(addr, n, n, 'store');
    const dv = this.dv;
    switch (type) {
      case 'u8':
      case 'b8':
      case 's8':
      case 'pred':
        return dv.setUint8(addr, v & 0xff);
      case 'u16':
      case 'b16':
      case 's16':
      case 'f16':
      case 'bf16':
        return dv.setUint16(addr, v & 0xffff, true);
      case 'u32':
      case 'b32':
      case 's32':
      case 'f16x2':
      case 'bf16x2':
        return dv.setUint32(addr, v >>> 0, true);
      case 'f32':
        return dv.setFloat32(addr, v, true);
      case 'f64':
        return dv.setFloat64(addr, v, true);
      case 'u64':
      case 'b64':
      case 's64': {
        const big = BigInt.asUintN(64, BigInt(v));
        dv.setUint32(addr, Number(big & 0xffffffffn), true);
        dv.setUint32(addr + 4, Number(big >> 32n), true);
        return;
      }
    }
  }
}
