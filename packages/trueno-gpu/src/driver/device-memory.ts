/**
 * Device memory as JS sees it: {@link DeviceBuffer} owns one cuMemAlloc block (or is a
 * bounds-checked slice of one); its address is a bigint. Raw bigint addresses are accepted too
 * (pointer arithmetic done by the caller), unchecked.
 */
import { CudaUsageError } from './cuda-error.js';
import type { HostMemory } from './native-binding.js';

/** A device address: a buffer (bounds-checked) or a raw address. */
export type DevicePointer = DeviceBuffer | bigint;

/** One device allocation, or a slice of one. */
export class DeviceBuffer {
  /** Device address of the first byte. */
  readonly ptr: bigint;
  /** Size in bytes. */
  readonly bytes: number;
  readonly #parent?: DeviceBuffer;
  readonly #free?: (b: DeviceBuffer) => void;
  #disposed = false;

  /** @internal Made by CudaContext.alloc (with `free`) or {@link slice} (with `parent`). */
  constructor(ptr: bigint, bytes: number, free?: (b: DeviceBuffer) => void, parent?: DeviceBuffer) {
    this.ptr = ptr;
    this.bytes = bytes;
    this.#free = free;
    this.#parent = parent;
  }

  /** True once freed (a slice: once its allocation is freed). */
  get disposed(): boolean {
    return this.#disposed || (this.#parent?.disposed ?? false);
  }

  /** The address `byteOffset` bytes in (≤ {@link bytes}). */
  at(byteOffset: number): bigint {
    this.#check(byteOffset, 0, 'at');
    return this.ptr + BigInt(byteOffset);
  }

  /** A view of `bytes` bytes from `byteOffset` (not owning: freeing it is an error). */
  slice(byteOffset: number, bytes = this.bytes - byteOffset): DeviceBuffer {
    this.#check(byteOffset, bytes, 'slice');
    return new DeviceBuffer(this.ptr + BigInt(byteOffset), bytes, undefined, this);
  }

  /** Frees the allocation (cuMemFree); a second call does nothing. */
  dispose(): void {
    if (this.#parent) throw new CudaUsageError('dispose() on a DeviceBuffer slice: free the buffer it was sliced from');
    if (this.#disposed) return;
    this.#disposed = true;
    this.#free?.(this);
  }

  #check(offset: number, bytes: number, op: string): void {
    if (this.disposed) throw new CudaUsageError(`${op} on a freed DeviceBuffer`);
    if (!Number.isInteger(offset) || !Number.isInteger(bytes) || offset < 0 || bytes < 0 || offset + bytes > this.bytes) {
      throw new CudaUsageError(`DeviceBuffer.${op}(${offset}, ${bytes}) is outside the buffer of ${this.bytes} bytes`);
    }
  }
}

/** Byte length of host memory. */
export function hostBytes(m: HostMemory): number {
  return m.byteLength;
}

/**
 * The address of `p` for an access of `bytes` bytes, after checking a DeviceBuffer is live and
 * large enough; `what` names the operation in the error.
 */
export function devicePtr(p: DevicePointer, bytes: number, what: string): bigint {
  if (typeof p === 'bigint') {
    if (p === 0n) throw new CudaUsageError(`${what}: null device pointer`);
    return p;
  }
  if (!(p instanceof DeviceBuffer)) throw new CudaUsageError(`${what}: expected a DeviceBuffer or a bigint device address`);
  if (p.disposed) throw new CudaUsageError(`${what}: the DeviceBuffer was freed`);
  if (bytes > p.bytes) throw new CudaUsageError(`${what}: ${bytes} bytes do not fit in the DeviceBuffer of ${p.bytes} bytes`);
  return p.ptr;
}

/** `1536` → `1.5 KiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}
