/**
 * Weight tile loaders of the tensor-core GEMM (gemm-mma.ts): how one thread turns a chunk of 8 or
 * 16 weights of a W row, in the GGUF's ggml block layout, into f16 values in the shared-memory tile.
 *
 * Quantized formats reuse the GEMV unpackers (gemv-<type>.ts) and their lane contract
 * (gemv-common.ts `LaneValues`): `unpack(blk, sub)` leaves lane `sub`'s qk / lanesPerBlock quants
 * of a block (8, or 16 for Q4_K / Q5_K) as exact f32 integers, in runs of 4 at x offsets `xRuns`
 * from `xAt`, plus the block's f32 scale (and min), or one scale (and min) per equal consecutive
 * segment of q when the lane's values span sub-blocks. The loader forms value = fl(scale·q)
 * (− min, a second rounding), the exact float operations of trueno's dequantizers (ggml's
 * dequantize_row_*), with `.rn` forms so ptxas cannot fuse them into an fma. The f32 value is then
 * rounded once to f16 (`cvt.rn.f16x2.f32`). So the tile holds exactly f16(dequantize(W)), which is
 * what the f16-rounded reference computes with.
 *
 * K-step: one block (32 values) for the 32-value formats; 64 values for the 256-value K-quants. A
 * K-step is covered by consecutive GEMV lanes (Q6_K: lanes 8t..8t+7 own values 64t..64t+63;
 * Q4_K / Q5_K: lanes 4g..4g+3 own the 64-value group g, low and high nibbles of the same bytes),
 * so the thread loading chunk s of the step starting at block offset o unpacks lane
 * o / (values per lane) + s. F16 weights are copied as they are.
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
  /**
   * f16x2 pairs (b32, low half = lower k): 2 or 4 registers, i.e. 4 or 8 values, stored with one
   * st.shared.v2 / v4, so `at` must be a multiple of 4 / 8 values.
   */
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
  /** Weights one `load` call writes (a chunk): 8, or 16 for the formats whose GEMV lanes own 16. */
  readonly chunkValues: 8 | 16;
  /**
   * Emits the loading of chunk `s` (u32, 0..kStep/chunkValues − 1) of the K-step starting at `k0`
   * (u32) of the W row at `row` (u64 global address of the row's first byte).
   */
  load(k: KernelBuilder, row: Reg, k0: Reg, s: Reg): F16Run[];
}

function asList(x: Reg | readonly Reg[]): readonly Reg[] {
  return 'kind' in x ? [x] : x;
}

/** The GEMM weight format of a GEMV format (quantized block types). */
export function quantGemmFormat(fmt: GemvFormat): GemmWeightFormat {
  const kStep = fmt.qk >= 64 ? 64 : 32;
  const perLane = fmt.qk / fmt.lanesPerBlock;
  if (fmt.qk % kStep !== 0) throw new RangeError(`GEMM: ${fmt.id} has ${fmt.qk} values per block, not a multiple of the ${kStep}-value K-step`);
  if (perLane !== 8 && perLane !== 16) throw new RangeError(`GEMM: ${fmt.id}'s GEMV lanes own ${perLane} values; the GEMM loader takes chunks of 8 or 16`);
  return {
    type: fmt.type,
    id: fmt.id,
    qk: fmt.qk,
    blockBytes: fmt.blockBytes,
    kStep,
    kMultiple: fmt.qk,
    chunkValues: perLane as 8 | 16,
    load(k: KernelBuilder, row: Reg, k0: Reg, s: Reg): F16Run[] {
      const blk = k.mad('u32', k.shr('u32', k0, Math.log2(fmt.qk)), fmt.blockBytes, row, undefined, 'wide');
      // The step's first lane within the block: 0 for 32-value blocks, (step offset in block) / perLane for K-quants.
      const sub = fmt.qk === kStep ? s : k.add('u32', k.shr('u32', k.and('b32', k0, fmt.qk - 1), Math.log2(perLane)), s);
      const v = fmt.unpack(k, blk, sub);
      if (v.q.length !== perLane || v.xRuns.length * 4 !== perLane) throw new RangeError(`GEMM: ${fmt.id}'s unpacker left ${v.q.length} values in ${v.xRuns.length} runs, expected ${perLane}`);
      const scales = asList(v.scale);
      const mins = v.min === undefined ? undefined : asList(v.min);
      const segLen = perLane / scales.length;
      const vals = v.q.map((q, i) => {
        const sq = mulRn(k, scales[Math.floor(i / segLen)], q);
        return mins ? subRn(k, sq, mins[Math.floor(i / segLen)]) : sq;
      });
      const pair = (i: number): Reg => k.cvtPack('f16x2', vals[i + 1], vals[i]);
      // Value offsets within the step: x byte offsets / 4, modulo the step (a lane's values lie in its step's window).
      const at = (byteOff: number): Reg => k.and('b32', k.shr('u32', byteOff === 0 ? v.xAt : k.add('u32', v.xAt, byteOff), 2), kStep - 1);
      // Runs of 4 that continue each other (x 16 bytes apart) merge into one 8-value store.
      const runs: F16Run[] = [];
      for (let r = 0; r < v.xRuns.length; ) {
        const merge = r + 1 < v.xRuns.length && v.xRuns[r + 1] - v.xRuns[r] === 16;
        const pairs = merge ? [pair(4 * r), pair(4 * r + 2), pair(4 * r + 4), pair(4 * r + 6)] : [pair(4 * r), pair(4 * r + 2)];
        runs.push({ pairs, at: at(v.xRuns[r]) });
        r += merge ? 2 : 1;
      }
      return runs;
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
  chunkValues: 8,
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
