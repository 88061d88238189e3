/**
 * Tensor-core GEMM for prompt prefill: Y (nTok, nOut) = X (nTok, K) · Wᵀ, W a GGUF weight (nOut
 * rows of K values) in ggml's block layout exactly as stored in the file, X and Y f32.
 *
 * Numerics: X is rounded to f16 (`cvt.rn.f16x2.f32`) and W dequantized to f32 exactly as trueno's
 * dequantizer does, then rounded to f16 (gemm-mma-formats.ts), as both are staged into shared
 * memory; `mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32` multiplies them exactly and adds
 * into f32 accumulators. So the kernel computes `gemmMmaF16Reference` up to f32 accumulation
 * rounding, and differs from the exact `gemmMmaReference` by the f16 input rounding (relative
 * 2⁻¹¹ per value; see GEMM_MMA_* in tolerances.ts). |X| must stay below 65504 (f16's largest
 * value); larger activations become ±inf (llama.cpp's cuBLAS prefill path converts to f16 too).
 *
 * Tiling: a block computes a tileM × GEMM_TILE_N tile of Y, tileM = 64 (4 warps) or 128 (8 warps,
 * for long prompts: W is dequantized once per 128 tokens; gemm-mma-model.ts's `gemmTileMFor` picks). Per K-step (32 values,
 * 64 for 256-value K-quants) every thread converts 8-value chunks of X rows (two ld.global.v4.f32)
 * and 8- or 16-value chunks of W rows (the format's loader; 16 for Q4_K / Q5_K, whose GEMV lanes
 * unpack 16 values per scale decode) into the tiles sX, sW (row-major (tileM or 64, kStep) f16,
 * rows padded by 8 halves so that the 8 rows a fragment load touches fall in distinct banks),
 * bar.sync, then warp (wm, wn) of the (tileM / 32) × 2 warp grid runs 2 × 4 mma tiles of 16 × 8
 * per 16 values of K (32 f32 accumulators per lane), and bar.sync again before the tiles
 * are overwritten. A fragments are 32-bit loads of sX rows (A row-major = X), B fragments 32-bit
 * loads of sW rows (B column-major = W rows), as the PTX ISA's m16n8k16 layouts place pairs of
 * consecutive k in one register.
 *
 * Edges: tile rows past nTok / nOut load the last valid row instead (clamped addresses, never out
 * of bounds) and their outputs are not stored; K must be a multiple of the format's kMultiple
 * (32, 256 for K-quants, 32 for F16), or the backend uses the GEMV path.
 *
 * When it beats the GEMV path (gemm-mma-model.ts: `gemmMmaPlan` picks tile and split,
 * `gemmMmaPreferred` compares, from bandwidth, tensor roof, emulated PTX issue counts, how many of
 * the 132 SMs the grid fills, and a 2 µs gap per launch): the batched GEMV reads W once per 16
 * tokens and issues one f32 FMA plus address work per weight and token; this kernel reads W once
 * and dequantizes it once per token tile. By the memory and tensor roofs alone it would win from
 * nTok ≥ 17; with issue, SM fill and launches it wins on Qwen2.5 shapes from 5-6 tokens (7B
 * ffn_down), 10-15 (0.5B ffn_gate/down) and 17 (the 896- to 1536-wide Q and 128-wide K/V
 * projections, where the GEMV path needs a second 16-token pass), and by 14-21× at 512 tokens
 * (the test prints the table). F16 weights have no GEMV kernel, so they always take this one.
 *
 * Split-K: grid.z = ceil(K / k_split) slices; slice z sums K values [z·k_split, min(K, (z+1)·k_split))
 * and writes its partial Y to slice z of a (slices, nTok, nOut) f32 workspace passed as `y`, which
 * `gemm_splitk_reduce` (gemm-splitk-reduce.ts) sums in slice order. With k_split = K there is one
 * slice and Y is written directly. Small products (few output tiles, e.g. 128-wide K/V
 * projections) use it to fill the GPU's SMs.
 *
 * Parameters, in order: `w` (u64, 16-byte aligned), `x` (u64, (nTok, K) f32, 16-byte aligned),
 * `y` (u64, (slices, nTok, nOut) f32), `n_out` (u32), `n_tok` (u32), `k` (u32), `k_split` (u32, a
 * multiple of the format's kMultiple; k for no split).
 */
import { type GGMLType, dtypeInfo } from '@sovereign/trueno';
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import { GEMM_FORMATS, type GemmWeightFormat } from './gemm-mma-formats.js';
import type { LaunchGeometry } from './ops-common.js';

/** Tokens (rows of X and Y) per block tile: 64 (4 warps), or 128 (8 warps) for long prompts. */
export type GemmTileM = 64 | 128;
/** Outputs (rows of W, columns of Y) per block tile. */
export const GEMM_TILE_N = 64;
/** Threads per block for a tile of `tileM` tokens: a (tileM / 32) × 2 grid of warps, each owning a 32 × 32 sub-tile. */
export function gemmThreads(tileM: GemmTileM): number {
  return (tileM / 32) * 2 * 32;
}
/** f16 padding per shared tile row (16 bytes): row strides of 80 / 144 bytes spread a fragment's 8 rows over all banks. */
const ROW_PAD = 8;

/** Thrown for a weight type the GEMM has no loader for. */
export class UnsupportedGemmTypeError extends Error {
  override name = 'UnsupportedGemmTypeError';
}

/** The GEMM weight format of `type`; throws {@link UnsupportedGemmTypeError} naming the supported ones. */
export function gemmFormatFor(type: GGMLType): GemmWeightFormat {
  const f = GEMM_FORMATS.get(type);
  if (!f) {
    const names = [...GEMM_FORMATS.keys()].map((t) => dtypeInfo(t).name).join(', ');
    throw new UnsupportedGemmTypeError(`no tensor-core GEMM for ${dtypeInfo(type).name} weights: supported are ${names} (use the GEMV kernels per 16 tokens, or the CPU backend)`);
  }
  return f;
}

/** Options of a GEMM build. */
export interface GemmMmaBuildOptions {
  readonly sm: SmTarget;
  /** ggml type of W. */
  readonly type: GGMLType;
  /** Tokens per block tile (default 64); launch with the same value. */
  readonly tileM?: GemmTileM;
}

/**
 * Grid and block of a GEMM over nTok tokens and nOut outputs with `tileM`-token tiles: x over
 * output tiles, y over token tiles, z over `slices` K slices (`gemmSlices`; 1: no split).
 */
export function gemmMmaLaunch(nTok: number, nOut: number, tileM: GemmTileM = 64, slices = 1): LaunchGeometry {
  if (!Number.isInteger(nTok) || !Number.isInteger(nOut) || nTok < 1 || nOut < 1) throw new RangeError(`GEMM needs positive integer nTok and nOut, got ${nTok} × ${nOut}`);
  if (!Number.isInteger(slices) || slices < 1 || slices > 65535) throw new RangeError(`GEMM split-K needs 1..65535 slices, got ${slices}`);
  return { grid: [Math.ceil(nOut / GEMM_TILE_N), Math.ceil(nTok / tileM), slices], block: [gemmThreads(tileM), 1, 1] };
}

/**
 * The number of K slices of `kSplit` values; throws unless kSplit is a positive multiple of the
 * format's kMultiple (slices must start on block and K-step boundaries).
 */
export function gemmSlices(type: GGMLType, K: number, kSplit: number): number {
  const m = gemmFormatFor(type).kMultiple;
  if (!Number.isInteger(kSplit) || kSplit < m || kSplit % m !== 0 || K % m !== 0) {
    throw new RangeError(`GEMM split-K: K (${K}) and k_split (${kSplit}) must be positive multiples of ${m} for ${gemmFormatFor(type).id}`);
  }
  return Math.ceil(K / kSplit);
}

/** Builds `gemm_mma_<type>` (see the module comment). */
export function buildGemmMma(opts: GemmMmaBuildOptions): Kernel {
  const fmt = gemmFormatFor(opts.type);
  const TM = opts.tileM ?? 64;
  if (TM !== 64 && TM !== 128) throw new RangeError(`GEMM tileM must be 64 or 128, got ${String(TM)}`);
  const threads = gemmThreads(TM);
  const KS = fmt.kStep;
  const chunks = KS / 8; // 8-value X chunks per tile row and K-step
  const rowsPerPass = threads / chunks;
  const xItems = TM / rowsPerPass; // X chunks per thread per K-step
  // W chunks are the format's (8 values, or 16 where a GEMV lane unpacks 16), so W rows map to threads on their own.
  const wChunks = KS / fmt.chunkValues;
  const wRowsPerPass = threads / wChunks;
  if (wRowsPerPass > GEMM_TILE_N) throw new RangeError(`GEMM: ${fmt.id} chunks of ${fmt.chunkValues} leave threads idle at a ${KS}-value K-step`);
  const wItems = GEMM_TILE_N / wRowsPerPass; // W chunks per thread per K-step
  const stride = (KS + ROW_PAD) * 2; // bytes per shared tile row
  const k = new KernelBuilder(TM === 64 ? `gemm_mma_${fmt.id}` : `gemm_mma_${fmt.id}_m${TM}`);
  // No .maxntid: with `.maxntid 128` ptxas 13's occupancy heuristic capped this kernel at 72
  // registers and spilled 8-24 bytes (f16 on sm_89, q8_0 / q6_k on sm_90); unconstrained it uses
  // 70-91 and spills nothing. Launches always use gemmThreads(tileM).
  k.doc = `Y (n_tok, n_out) = X (n_tok, k) * W^T, W ${fmt.id} in ggml block layout; f16 tiles ${TM}x${GEMM_TILE_N}x${KS}, mma.m16n8k16 f32 accumulate; target ${opts.sm}`;
  const pw = k.param('w', 'u64');
  const px = k.param('x', 'u64');
  const py = k.param('y', 'u64');
  const pn = k.param('n_out', 'u32');
  const pt = k.param('n_tok', 'u32');
  const pk = k.param('k', 'u32');
  const pks = k.param('k_split', 'u32');
  const sX = k.mov('u32', k.sharedArray('x_tile', TM * stride, 16)); // (tileM, kStep) f16, padded rows
  const sW = k.mov('u32', k.sharedArray('w_tile', GEMM_TILE_N * stride, 16)); // (64, kStep) f16, padded rows
  const w = k.ldGlobalPtr(pw);
  const x = k.ldGlobalPtr(px);
  const y = k.ldGlobalPtr(py);
  const nOut = k.ldParam(pn);
  const nTok = k.ldParam(pt);
  const K = k.ldParam(pk);
  const tid = k.special('tid.x');
  const n0 = k.mul('u32', k.special('ctaid.x'), GEMM_TILE_N);
  const m0 = k.mul('u32', k.special('ctaid.y'), TM);
  // K slice of this block (split-K: grid.z slices of k_split values; one slice when k_split = k).
  const kz = k.special('ctaid.z');
  const kBegin = k.mul('u32', kz, k.ldParam(pks));
  const kEnd = k.min('u32', K, k.add('u32', kBegin, k.ldParam(pks)));

  k.comment('loader: thread owns X chunk c of tile rows r0 + rowsPerPass*i, W chunk wc of rows wr0 + wRowsPerPass*i; rows past the edge re-read the last row');
  const c = k.and('b32', tid, chunks - 1);
  const r0 = k.shr('u32', tid, Math.log2(chunks));
  const lastTok = k.sub('u32', nTok, 1);
  const lastOut = k.sub('u32', nOut, 1);
  const wRowBytes = k.mul('u32', k.shr('u32', K, Math.log2(fmt.qk)), fmt.blockBytes);
  const xRows: Reg[] = [];
  const wRows: Reg[] = [];
  const sRows: Reg[] = []; // byte offset of the thread's rows in either tile
  for (let i = 0; i < xItems; i++) {
    const r = k.add('u32', r0, rowsPerPass * i);
    const xRow = k.mulWide('u32', k.min('u32', k.add('u32', m0, r), lastTok), k.mul('u32', K, 4));
    xRows.push(k.add('u64', k.add('u64', x, xRow), k.mulWide('u32', c, 32)));
    sRows.push(k.mul('u32', r, stride));
  }
  const sameMap = wChunks === chunks;
  const wc = sameMap ? c : k.and('b32', tid, wChunks - 1);
  const wr0 = sameMap ? r0 : k.shr('u32', tid, Math.log2(wChunks));
  const wStore: Reg[] = []; // shared address of the thread's rows in the W tile
  for (let i = 0; i < wItems; i++) {
    const r = i === 0 ? wr0 : k.add('u32', wr0, wRowsPerPass * i);
    wRows.push(k.mad('u32', k.min('u32', k.add('u32', n0, r), lastOut), wRowBytes, w, undefined, 'wide'));
    wStore.push(sameMap ? k.add('u32', sRows[i], sW) : k.mad('u32', r, stride, sW));
  }
  const xStore = sRows.map((s) => k.add('u32', k.add('u32', s, sX), k.shl('b32', c, 4)));

  k.comment('mma fragments: lane = 4*group + tig; warp (wm, wn) owns tile rows 32wm.., columns 32wn..');
  const lane = k.and('b32', tid, 31);
  const warp = k.shr('u32', tid, 5);
  const g = k.shr('u32', lane, 2);
  const tig4 = k.shl('b32', k.and('b32', lane, 3), 2); // byte offset of k = 2*tig
  const wm = k.shr('u32', warp, 1);
  const wn = k.and('b32', warp, 1);
  const aBase = k.add('u32', k.add('u32', sX, k.mul('u32', k.mad('u32', wm, 32, g), stride)), tig4);
  const bBase = k.add('u32', k.add('u32', sW, k.mul('u32', k.mad('u32', wn, 32, g), stride)), tig4);
  const acc = Array.from({ length: 2 }, () => Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => k.mov('f32', 0))));

  k.forRange(
    'u32',
    kBegin,
    kEnd,
    KS,
    (k0) => {
      k.comment('stage X: 8 f32 per chunk -> f16 (cvt.rn)');
      const xk = k.mulWide('u32', k0, 4);
      for (let i = 0; i < xItems; i++) {
        const at = k.add('u64', xRows[i], xk);
        const lo = k.ldv('global', 'f32', 4, at, 0, { nc: true });
        const hi = k.ldv('global', 'f32', 4, at, 16, { nc: true });
        const v = [...lo, ...hi];
        k.stv('shared', 'b32', xStore[i], 0, [0, 2, 4, 6].map((e) => k.cvtPack('f16x2', v[e + 1], v[e])));
      }
      k.comment(`stage W: ${fmt.id} chunks dequantized -> f16`);
      for (let i = 0; i < wItems; i++) {
        for (const run of fmt.load(k, wRows[i], k0, wc)) {
          const at = k.add('u32', wStore[i], k.shl('b32', run.at, 1));
          k.stv('shared', 'b32', at, 0, run.pairs);
        }
      }
      k.barSync();
      for (let kk = 0; kk < KS; kk += 16) {
        const kb = 2 * kk;
        const a = [0, 1].map((mt) => [0, 8 * stride, 16, 8 * stride + 16].map((o) => k.ld('shared', 'b32', aBase, 16 * mt * stride + o + kb)));
        const b = [0, 1, 2, 3].map((nt) => [0, 16].map((o) => k.ld('shared', 'b32', bBase, 8 * nt * stride + o + kb)));
        for (let mt = 0; mt < 2; mt++) for (let nt = 0; nt < 4; nt++) k.mma('f16', a[mt], b[nt], acc[mt][nt], acc[mt][nt]);
      }
      k.barSync();
    },
    true,
  );

  k.comment('epilogue: acc[mt][nt][e] is Y[m0 + 32wm + 16mt + g + 8(e>>1)][n0 + 32wn + 8nt + 2tig + (e&1)]');
  const row0 = k.add('u32', m0, k.mad('u32', wm, 32, g));
  const col0 = k.add('u32', n0, k.add('u32', k.shl('b32', wn, 5), k.shr('u32', tig4, 1)));
  // Slice z writes its partial Y at y + z·nTok·nOut (the split-K workspace; y itself for one slice).
  const ySlice = k.add('u64', y, k.shl('b64', k.mulWide('u32', kz, k.mul('u32', nTok, nOut)), 2));
  const yCol = k.mad('u32', col0, 4, ySlice, undefined, 'wide');
  const rowOk: Reg[] = [];
  const yRow: Reg[] = [];
  for (let r = 0; r < 4; r++) {
    const tok = k.add('u32', row0, 8 * r); // r = 2*mt + (e>>1)
    rowOk.push(k.setp('lt', 'u32', tok, nTok));
    yRow.push(k.add('u64', yCol, k.mulWide('u32', k.mul('u32', tok, nOut), 4)));
  }
  for (let nt = 0; nt < 4; nt++) {
    for (let e1 = 0; e1 < 2; e1++) {
      const colOk = k.setp('lt', 'u32', k.add('u32', col0, 8 * nt + e1), nOut);
      for (let r = 0; r < 4; r++) {
        const ok = k.and('pred', rowOk[r], colOk);
        k.when(ok, () => k.st('global', 'f32', yRow[r], 4 * (8 * nt + e1), acc[r >> 1][nt][2 * (r & 1) + e1]));
      }
    }
  }
  k.ret();
  return k.build();
}
