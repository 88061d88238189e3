/**
 * Kernel arguments: a JS description (`{ type: 'u64', value: ptr }`, …) packed into the byte
 * slots the addon hands to cuLaunchKernel, one 8-byte little-endian slot per parameter. The
 * driver reads each parameter at the width the kernel declares, so a u32 occupies the first 4
 * bytes of its slot; {@link checkParams} holds the description against the PTX signature first.
 */
import { CudaUsageError } from './cuda-error.js';
import type { PtxParamType } from './ptx-header.js';

/** A kernel parameter type as the JS side describes it. */
export type KernelParamType = 'u64' | 's64' | 'u32' | 's32' | 'f32' | 'f64';

/** One kernel argument. Device pointers are `u64` with a bigint value (a DeviceBuffer's `ptr`). */
export interface KernelParam {
  readonly type: KernelParamType;
  readonly value: number | bigint;
}

const WIDTH: Record<KernelParamType, number> = { u64: 8, s64: 8, u32: 4, s32: 4, f32: 4, f64: 8 };

function bad(i: number, p: KernelParam, why: string): never {
  throw new CudaUsageError(`kernel parameter ${i} (${p.type} ${String(p.value)}): ${why}`);
}

function intValue(i: number, p: KernelParam): bigint {
  if (typeof p.value === 'bigint') return p.value;
  if (!Number.isInteger(p.value)) bad(i, p, 'must be an integer (a number or bigint)');
  return BigInt(p.value);
}

/**
 * Packs `params` into `8 × params.length` bytes (a fresh buffer, or `into` when it is large
 * enough, so a hot loop can reuse one). Throws {@link CudaUsageError} for a value outside its
 * type's range.
 */
export function packParams(params: readonly KernelParam[], into?: Uint8Array): Uint8Array {
  const bytes = into && into.byteLength >= params.length * 8 ? into : new Uint8Array(Math.max(8, params.length * 8));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  params.forEach((p, i) => {
    const at = i * 8;
    switch (p.type) {
      case 'u64': {
        const v = intValue(i, p);
        if (v < 0n || v >= 1n << 64n) bad(i, p, 'out of range for u64');
        view.setBigUint64(at, v, true);
        break;
      }
      case 's64': {
        const v = intValue(i, p);
        if (v < -(1n << 63n) || v >= 1n << 63n) bad(i, p, 'out of range for s64');
        view.setBigInt64(at, v, true);
        break;
      }
      case 'u32': {
        const v = intValue(i, p);
        if (v < 0n || v > 0xffffffffn) bad(i, p, 'out of range for u32');
        view.setUint32(at, Number(v), true);
        break;
      }
      case 's32': {
        const v = intValue(i, p);
        if (v < -0x80000000n || v > 0x7fffffffn) bad(i, p, 'out of range for s32');
        view.setInt32(at, Number(v), true);
        break;
      }
      case 'f32':
      case 'f64':
        if (typeof p.value !== 'number') bad(i, p, `${p.type} needs a number`);
        if (p.type === 'f32') view.setFloat32(at, p.value, true);
        else view.setFloat64(at, p.value, true);
        break;
      default:
        bad(i, p, `unknown type (expected ${Object.keys(WIDTH).join(', ')})`);
    }
  });
  return bytes;
}

/**
 * Checks an argument list against a kernel's declared parameters: same count, same width, and a
 * float where the kernel declares `.f32`/`.f64` (an integer where it declares `.u`/`.s`). Throws
 * {@link CudaUsageError} naming the kernel and the first mismatch. Parameters the PTX parser
 * could not type (`undefined`) are checked for count only.
 */
export function checkParams(kernel: string, declared: readonly (PtxParamType | undefined)[], params: readonly KernelParam[]): void {
  if (declared.length !== params.length) {
    throw new CudaUsageError(
      `kernel ${kernel} takes ${declared.length} parameter(s) (${declared.map((d) => d ?? '?').join(', ')}), got ${params.length}`,
    );
  }
  declared.forEach((d, i) => {
    if (!d) return;
    const p = params[i];
    const width = Number(d.slice(1)) / 8;
    const isFloat = p.type === 'f32' || p.type === 'f64';
    if (WIDTH[p.type] !== width || (d[0] === 'f' && !isFloat) || ((d[0] === 'u' || d[0] === 's') && isFloat)) {
      throw new CudaUsageError(`kernel ${kernel} parameter ${i} is .${d}, got ${p.type}: pass a ${d[0] === 'f' ? `f${width * 8}` : `${width * 8}-bit integer`}`);
    }
  });
}
