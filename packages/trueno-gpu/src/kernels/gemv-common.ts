/**
 * The shared skeleton of the quantized GEMV kernels (decode: y = W·x, and batched over M ≤ 16
 * sequences: Y (M, nRows) = X (M, K) · Wᵀ). W is in ggml's block layout exactly as stored in the
 * GGUF file (row-major, `nRows` rows of K/QK blocks).
 *
 * Design (documented choice): activations stay f32, each lane dequantizes its share of a block
 * into f32 values in registers (8 or 16) and multiplies with f32 x. This reads W once (the bandwidth
 * term), needs no activation quantization pass and no dp4a, and is more accurate than llama.cpp's
 * mmvq (which quantizes x to Q8_1): results match a dequantize-then-dot reference to float
 * rounding. x is small (K·4 bytes per sequence) and stays in L1/L2 across the warps of a block.
 * The cost is issue slots: unpacking to f32 takes ~15 PTX instructions per weight byte for the
 * 4-6 bit formats (kernels/gemv-profile.test.ts), which may cap them below HBM bandwidth; the
 * dp4a variant (gemv-q4-k-q8-1.ts) takes ~10.5 for Q4_K, at Q8_1's precision.
 *
 * Geometry: each warp computes R consecutive output rows (rowsPerWarp, default 2), WARPS_PER_BLOCK
 * warps per block, grid = ceil(nRows / (4·R)).
 * Within a warp, `lanesPerBlock` consecutive lanes share one quant block (so a warp iteration
 * reads 32 / lanesPerBlock consecutive blocks: coalesced), each lane owning qk / lanesPerBlock
 * values. Partial sums are reduced with shfl.sync.bfly and lane 0 writes the rows' M outputs.
 * For the batched kernel the lane's weights per row are dequantized once and reused for all M rows of X, and each x
 * value loaded is reused for all R rows.
 *
 * Parameters, in order: `w` (u64), `x` (u64, (M, K) f32), `y` (u64, (M, nRows) f32),
 * `n_rows` (u32), `k` (u32, multiple of QK). Alignment: `w` 16 bytes (K-quant blocks are read
 * with 8-byte vector loads; GGUF's 32-byte tensor alignment and cudaMalloc's 256 satisfy it), `x`
 * 16 bytes (ld.v4.f32), `y` 4. A misaligned pointer faults on the GPU and in the emulator.
 */
import { type GGMLType, dequantize } from '@sovereign/trueno';
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { Label, Reg } from '../ptx/types.js';
import type { KernelCost } from './kernel-model.js';

/** Warps (rows) per thread block. */
export const WARPS_PER_BLOCK = 4;

/** Largest batch of the batched GEMV kernels. */
export const MAX_GEMV_BATCH = 16;

/** What a format's unpacker leaves in registers for one lane and one block. */
export interface LaneValues {
  /** The lane's quant values as f32 (exact small integers): 4 per x run. */
  readonly q: readonly Reg[];
  /** Byte offset (u32) of q[0]'s x value within the block's x slice. */
  readonly xAt: Reg;
  /** Constant byte offsets from `xAt` of each run of 4 consecutive x values (q[4i..4i+3]). */
  readonly xRuns: readonly number[];
  /**
   * value = scale·q − min (min absent for formats without one). A list splits q into equal
   * consecutive segments, one per scale (and min), for lanes whose values span sub-blocks.
   */
  readonly scale: Reg | readonly Reg[];
  readonly min?: Reg | readonly Reg[];
}

/** A ggml format's part of the GEMV: block geometry and the per-lane unpacking code. */
export interface GemvFormat {
  readonly type: GGMLType;
  /** ggml name, used in kernel names (`q8_0`). */
  readonly id: string;
  /** Values per block (QK). */
  readonly qk: number;
  readonly blockBytes: number;
  /** Lanes sharing one block (each lane then owns qk / lanesPerBlock values, 4 per x run). */
  readonly lanesPerBlock: number;
  /** Emits the lane's unpacking: `blk` is the block address (u64), `sub` the lane's index in the block (u32). */
  unpack(k: KernelBuilder, blk: Reg, sub: Reg): LaneValues;
}

/**
 * Rows per warp by default. Each lane re-reads x (f32, 4 bytes per weight) from L1 for every row it
 * computes, against 0.56 (Q4_K) to 1.06 (Q8_0) bytes per weight of W from DRAM: with one row per
 * warp x traffic would be 4-7× the weight stream and approach the L1 bandwidth (~30 TB/s on an
 * H100) at full HBM speed. Two rows per warp halve it, at 8 more registers per lane.
 */
export const DEFAULT_ROWS_PER_WARP = 2;

/** Options of a GEMV kernel build. */
export interface GemvBuildOptions {
  readonly sm: SmTarget;
  /** Sequences per launch, 1 (decode GEMV) to 16 (batched). */
  readonly batch?: number;
  /** Output rows per warp: 1, 2 (default) or 4; x values are loaded once for all of them. */
  readonly rowsPerWarp?: number;
}

/** Launch geometry of a GEMV over `nRows` output rows (pass the kernel's rowsPerWarp if not the default). */
export function gemvLaunch(nRows: number, rowsPerWarp = DEFAULT_ROWS_PER_WARP): { grid: [number, number, number]; block: [number, number, number] } {
  return { grid: [Math.ceil(nRows / (WARPS_PER_BLOCK * rowsPerWarp)), 1, 1], block: [32 * WARPS_PER_BLOCK, 1, 1] };
}

/** Builds the GEMV kernel of `fmt` for `opts.batch` sequences. */
export function buildGemv(fmt: GemvFormat, opts: GemvBuildOptions): Kernel {
  const M = opts.batch ?? 1;
  const R = opts.rowsPerWarp ?? DEFAULT_ROWS_PER_WARP;
  if (!Number.isInteger(M) || M < 1 || M > MAX_GEMV_BATCH) throw new RangeError(`GEMV batch must be 1..${MAX_GEMV_BATCH}, got ${M}`);
  if (![1, 2, 4].includes(R)) throw new RangeError(`GEMV rowsPerWarp must be 1, 2 or 4, got ${R}`);
  const k = new KernelBuilder(gemvKernelName(fmt, M, R));
  k.maxThreads = 32 * WARPS_PER_BLOCK;
  k.doc = `y (${M}, n_rows) = x (${M}, k) * W^T, W ${fmt.id} in ggml block layout (${fmt.blockBytes} bytes per ${fmt.qk} values), ${R} row(s) per warp; target ${opts.sm}`;
  const { x, y, nRows, K, lane, row0, out, nb, wRows, sub, first } = gemvRowPrologue(k, 'x', fmt.qk, fmt.blockBytes, fmt.lanesPerBlock, R);
  const kBytes = k.mulWide('u32', K, 4);
  const xRows: Reg[] = [x];
  for (let m = 1; m < M; m++) xRows.push(k.add('u64', xRows[m - 1], kBytes));
  // acc[m][r]: sequence m, row row0 + r.
  const acc = Array.from({ length: M }, () => Array.from({ length: R }, () => k.mov('f32', 0)));

  k.comment(`each lane: ${fmt.qk / fmt.lanesPerBlock} values of block b of each of its ${R} row(s); ${32 / fmt.lanesPerBlock} blocks per warp iteration`);
  k.forRange('u32', first, nb, 32 / fmt.lanesPerBlock, (b) => {
    const bOff = k.mulWide('u32', b, fmt.blockBytes);
    const vs = wRows.map((wr) => fmt.unpack(k, k.add('u64', wr, bOff), sub));
    const nmins = vs.map((v) => (v.min === undefined ? undefined : asList(v.min).map((mn) => k.neg('f32', mn))));
    const at0 = k.add('u64', k.mulWide('u32', b, fmt.qk * 4), k.cvt('u64', 'u32', vs[0].xAt));
    for (let m = 0; m < M; m++) {
      // x values are loaded once and used for all R rows: this is what R > 1 saves.
      const at = k.add('u64', xRows[m], at0);
      const xs = vs[0].xRuns.flatMap((off) => k.ldv('global', 'f32', 4, at, off));
      const nSeg = asList(vs[0].scale).length;
      const segLen = xs.length / nSeg;
      // Sum of x over each scale segment, for the min terms (shared by the R rows).
      const sxs = nmins[0]
        ? Array.from({ length: nSeg }, (_, h) => {
            const sx = k.add('f32', xs[h * segLen], xs[h * segLen + 1]);
            for (let e = 2; e < segLen; e++) k.add('f32', sx, xs[h * segLen + e], sx);
            return sx;
          })
        : undefined;
      for (let r = 0; r < R; r++) {
        const sc = asList(vs[r].scale);
        for (let h = 0; h < nSeg; h++) {
          const dot = k.mul('f32', vs[r].q[h * segLen], xs[h * segLen]);
          for (let e = 1; e < segLen; e++) k.fma('f32', vs[r].q[h * segLen + e], xs[h * segLen + e], dot, dot);
          k.fma('f32', sc[h], dot, acc[m][r], acc[m][r]);
          if (nmins[r]) k.fma('f32', nmins[r]![h], sxs![h], acc[m][r], acc[m][r]);
        }
      }
    }
  });

  k.comment('warp reduction: butterfly shuffles leave each row sum in every lane');
  for (const a of acc.flat()) {
    for (const off of [16, 8, 4, 2, 1]) k.add('f32', a, k.shfl('bfly', a, off), a);
  }
  k.ifThen(k.setp('eq', 'u32', lane, 0), () => {
    const nBytes = M > 1 ? k.mulWide('u32', nRows, 4) : undefined;
    for (let r = 0; r < R; r++) {
      const row = r === 0 ? row0 : k.add('u32', row0, r);
      const store = (): void => {
        let at = k.mad('u32', row, 4, y, undefined, 'wide');
        for (let m = 0; m < M; m++) {
          if (m > 0) at = k.add('u64', at, nBytes!);
          k.st('global', 'f32', at, 0, acc[m][r]);
        }
      };
      if (r === 0) store();
      else k.ifThen(k.setp('lt', 'u32', row, nRows), store);
    }
  });
  k.label(out);
  k.ret();
  return k.build();
}

function asList(x: Reg | readonly Reg[]): readonly Reg[] {
  return 'kind' in x ? [x] : x;
}

/** Entry name: `gemv_<type>[_r<R>][_b<M>]`. */
export function gemvKernelName(fmt: Pick<GemvFormat, 'id'>, batch = 1, rowsPerWarp = DEFAULT_ROWS_PER_WARP): string {
  return `gemv_${fmt.id}${rowsPerWarp === DEFAULT_ROWS_PER_WARP ? '' : `_r${rowsPerWarp}`}${batch === 1 ? '' : `_b${batch}`}`;
}

/**
 * The oracle: each row dequantized with trueno's reference dequantizer, dotted with each x row in
 * double, rounded to f32. `w` holds nRows rows of K values in `fmt`'s layout; `x` is (M, K).
 */
export function gemvReference(type: GGMLType, w: Uint8Array, x: Float32Array, nRows: number, K: number, M = 1): Float32Array {
  const wf = dequantize(type, w, nRows * K);
  const y = new Float32Array(M * nRows);
  for (let m = 0; m < M; m++) {
    for (let r = 0; r < nRows; r++) {
      let s = 0;
      for (let i = 0; i < K; i++) s += wf[r * K + i] * x[m * K + i];
      y[m * nRows + r] = s;
    }
  }
  return y;
}

/** A GEMV's cost, with the x traffic that the caches serve. */
export interface GemvCost extends KernelCost {
  /** Bytes of x loaded by all warps (from L1/L2; DRAM sees x once): M·K·4 per R rows. */
  readonly xCacheBytes: number;
}

/** Bytes and flops of a GEMV: W read once, x read once per sequence from DRAM, y written. */
export function gemvCost(fmt: Pick<GemvFormat, 'qk' | 'blockBytes'>, nRows: number, K: number, M = 1, rowsPerWarp = DEFAULT_ROWS_PER_WARP): GemvCost {
  return {
    bytes: nRows * (K / fmt.qk) * fmt.blockBytes + M * K * 4 + M * nRows * 4,
    flops: 2 * M * nRows * K,
    xCacheBytes: Math.ceil(nRows / rowsPerWarp) * M * K * 4,
  };
}

/** The registers {@link gemvRowPrologue} leaves for a GEMV body. */
export interface GemvRows {
  /** u64 global address of the activations (sequence 0's row). */
  readonly x: Reg;
  readonly y: Reg;
  readonly nRows: Reg;
  readonly K: Reg;
  readonly lane: Reg;
  /** First of the warp's R rows (warp-uniform). */
  readonly row0: Reg;
  /** Label to place after the body: whole warps past the last row branch there. */
  readonly out: Label;
  /** Blocks per row. */
  readonly nb: Reg;
  /** Global address of each of the warp's R rows. */
  readonly wRows: readonly Reg[];
  /** The lane's chunk within a block, and the first block it handles. */
  readonly sub: Reg;
  readonly first: Reg;
}

/**
 * The start every GEMV kernel shares (f32 and dp4a activations): params `w`, `xName`, `y`,
 * `n_rows`, `k` in that order; the warp's R rows from (ctaid, warp). Whole warps past the end leave
 * together (row0 is warp-uniform, so later shuffles see full warps); rows past the end are clamped
 * to the last row: read (in bounds) but never stored.
 */
export function gemvRowPrologue(k: KernelBuilder, xName: string, qk: number, blockBytes: number, lanesPerBlock: number, R: number): GemvRows {
  const pw = k.param('w', 'u64');
  const px = k.param(xName, 'u64');
  const py = k.param('y', 'u64');
  const pn = k.param('n_rows', 'u32');
  const pk = k.param('k', 'u32');
  const w = k.ldGlobalPtr(pw);
  const x = k.ldGlobalPtr(px);
  const y = k.ldGlobalPtr(py);
  const nRows = k.ldParam(pn);
  const K = k.ldParam(pk);
  const tid = k.special('tid.x');
  const lane = k.and('b32', tid, 31);
  const row0 = k.mul('u32', k.mad('u32', k.special('ctaid.x'), WARPS_PER_BLOCK, k.shr('u32', tid, 5)), R);
  const out = k.newLabel('exit');
  k.bra(out, { when: k.setp('ge', 'u32', row0, nRows), uni: true });
  const nb = k.shr('u32', K, Math.log2(qk));
  const rowBytes = k.mul('u32', nb, blockBytes);
  const lastRow = k.sub('u32', nRows, 1);
  const wRows = Array.from({ length: R }, (_, r) => k.mad('u32', k.min('u32', k.add('u32', row0, r), lastRow), rowBytes, w, undefined, 'wide'));
  const sub = k.and('b32', lane, lanesPerBlock - 1);
  const first = k.shr('u32', lane, Math.log2(lanesPerBlock));
  return { x, y, nRows, K, lane, row0, out, nb, wRows, sub, first };
}
