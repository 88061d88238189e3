/**
 * Weight tile loaders of the tensor-core GEMM (gemm-mma.ts): how one thread turns 8 weights of a
 * W row, in the GGUF's ggml block layout, into f16 values in the shared-memory tile.
 *
 * Quantized formats reuse the GEMV unpackers (gemv-<type>.ts): `unpack(blk, sub)` leaves the 8
 * quants of chunk `sub` of a block as exact f32 integers plus the block's f32 scale (and min), and
 * the loader forms value = fl(scale·q) (− min, a second rounding), the exact float operations of
 * trueno's dequantizers (ggml's dequantize_row_*), with `.rn` forms so ptxas cannot fuse them into
 * an fma. The f32 value is then rounded once to f16 (`cvt.rn.f16x2.f32`). So the tile holds
 * exactly f16(dequantize(W)), which is what the f16-rounded reference computes with.
 *
 * K-step: one block (32 values) for the 32-value formats; 64 values (a pair of 32-value
 * sub-blocks, which share their 32 bytes of quants in Q4_K / Q5_K) for the 256-value K-quants,
 * whose unpackers own contiguous values 8·sub..8·sub+7. F16 weights are copied as they are.
 */
import { GGMLType } from '@sovereign/trueno';
import type { KernelBuilder } from '../ptx/builder.js';
import type { Reg } from '../ptx/types.js';
import type { GemvFormat } from './gemv-common.js';
import { Q4_0_GEMV } from './gemv-q4-0.js';
import { Q4_K_GEMV } from './gemv-q4-k.js';
import { Q5_0_GEMV } from './gemv-q5-0.js';
import { Q5_K_GEMV } from './gemv-q5-k.js';
import { Q6_K_GEMV } from './gemv-q6-k.js';
import { Q8_0_GEMV } from './gemv-q8-0.js';
import { mulRn, subRn } from './ops-common.js';

/** A run of consecutive f16 weights a thread writes to its row of the W tile. */
export interface F16Run {
  /** f16x2 pairs (b32, low half = lower k): 2 or 4 registers, i.e. 4 or 8 values. */
  readonly pairs: readonly Reg[];
  /** k offset (u32, in values) of the run's first value within the K-step. */
  readonly at: Reg;
}

/** A weight format of the GEMM: block geometry, K-step and the per-thread chunk loader. */
export interface GemmWeightFormat {
  readonly type: GGMLType;
  /** ggml name, used in kernel names (`q4_k`). */
  readonly id: string;
  /** Values per block (1 for F16). */
  readonly qk: number;
  readonly blockBytes: number;
  /** Values of K per shared-memory stage: 32 or 64. */
  readonly kStep: 32 | 64;
  /** K must be a multiple of this (max of qk and kStep). */
  readonly kMultiple: number;
  /**
   * Emits the loading of chunk `s` (u32, 0..kStep/8 − 1: 8 weights) of the K-step starting at
   * `k0` (u32) of the W row at `row` (u64 global address of the row's first byte).
   */
  load(k: KernelBuilder, row: Reg, k0: Reg, s: Reg): F16Run[];
}

/** The GEMM weight format of a GEMV format (quantized block types). */
export function quantGemmFormat(fmt: GemvFormat): GemmWeightFormat {
  const kStep = fmt.qk >= 64 ? 64 : 32;
  if (fmt.qk % kStep !== 0 || fmt.qk / 8 !== fmt.lanesPerBlock) throw new RangeError(`GEMM: ${fmt.id} has ${fmt.qk} values per block, not a multiple of the ${kStep}-value K-step`);
  return {
    type: fmt.type,
    id: fmt.id,
    qk: fmt.qk,
    blockBytes: fmt.blockBytes,
    kStep,
    kMultiple: fmt.qk,
    load(k: KernelBuilder, row: Reg, k0: Reg, s: Reg): F16Run[] {
      const log2qk = Math.log2(fmt.qk);
      const blk = k.mad('u32', k.shr('u32', k0, log2qk), fmt.blockBytes, row, undefined, 'wide');
      // The step's first chunk within the block: 0 for 32-value blocks, 8·(step in block) for K-quants.
      const sub = fmt.qk === kStep ? s : k.add('u32', k.shr('u32', k.and('b32', k0, fmt.qk - 1), 3), s);
      const v = fmt.unpack(k, blk, sub);
      const vals = v.q.map((q) => {
        const sq = mulRn(k, v.scale, q);
        return v.min ? subRn(k, sq, v.min) : sq;
      });
      const pair = (i: number): Reg => k.cvtPack('f16x2', vals[i + 1], vals[i]);
      // Value offsets within the step: x byte offsets / 4, modulo the step (a K-quant chunk lies in its step's window).
      const at = (byteOff: number): Reg => k.and('b32', k.shr('u32', byteOff === 0 ? v.xAt : k.add('u32', v.xAt, byteOff), 2), kStep - 1);
      if (v.xRuns[1] - v.xRuns[0] === 16) return [{ pairs: [pair(0), pair(2), pair(4), pair(6)], at: at(v.xRuns[0]) }];
      return [
        { pairs: [pair(0), pair(2)], at: at(v.xRuns[0]) },
        { pairs: [pair(4), pair(6)], at: at(v.xRuns[1]) },
      ];
    },
  };
}

/** F16 weights: 8 values are one 16-byte load, already in the tile's format (K a multiple of 32, so rows stay 16-byte aligned). */
export const F16_GEMM: GemmWeightFormat = {
  type: GGMLType.F16,
  id: 'f16',
  qk: 1,
  blockBytes: 2,
  kStep: 32,
  kMultiple: 32,
  load(k: KernelBuilder, row: Reg, k0: Reg, s: Reg): F16Run[] {
    const at = k.shl('b32', s, 3);
    const addr = k.add('u64', row, k.mulWide('u32', k.add('u32', k0, at), 2));
    return [{ pairs: k.ldv('global', 'b32', 4, addr, 0, { nc: true }), at }];
  },
};

/** Every GEMM weight format, by ggml type: F16 plus the six GEMV quant formats. */
export const GEMM_FORMATS: ReadonlyMap<GGMLType, GemmWeightFormat> = new Map(
  [F16_GEMM, ...[Q8_0_GEMV, Q4_0_GEMV, Q5_0_GEMV, Q4_K_GEMV, Q5_K_GEMV, Q6_K_GEMV].map(quantGemmFormat)].map((f) => [f.type, f]),
);
