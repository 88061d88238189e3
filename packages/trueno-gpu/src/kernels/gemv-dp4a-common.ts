/**
 * Shared prologue / epilogue of the dp4a GEMV kernels (Q8_1 activations, like llama.cpp's mmvq):
 * parameters `w` u64, `xq` u64 ((M, k/32) Q8_1 blocks of 36 bytes), `y` u64 ((M, n_rows) f32),
 * `n_rows` u32, `k` u32; M = batch (1..16, weights unpacked once per block for all M); two rows per
 * warp (rows past the end clamped, not stored), WARPS_PER_BLOCK warps per block, warp butterfly
 * reduction, lane 0 stores.
 */
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { Label, Reg } from '../ptx/types.js';
import { MAX_GEMV_BATCH, WARPS_PER_BLOCK, gemvRowPrologue } from './gemv-common.js';

/** Rows per warp of the dp4a kernels. */
export const DP4A_ROWS_PER_WARP = 2;

/** Registers and labels the body of a dp4a GEMV works with. */
export interface Dp4aContext {
  readonly k: KernelBuilder;
  /** Row base addresses (u64), one per row of the warp. */
  readonly wRows: readonly Reg[];
  /** Q8_1 activations (u64), one base per sequence. */
  readonly xq: readonly Reg[];
  /** The lane's index within its weight block (u32) and its first block (u32). */
  readonly sub: Reg;
  readonly first: Reg;
  /** Weight blocks per row (u32). */
  readonly nb: Reg;
  /** f32 accumulators, acc[m][r] for sequence m and row r of the warp. */
  readonly acc: readonly (readonly Reg[])[];
  readonly lane: Reg;
  readonly row0: Reg;
  readonly nRows: Reg;
  readonly y: Reg;
  readonly out: Label;
}

/** Declares the parameters and computes the per-warp rows; the caller emits the block loop. */
export function dp4aPrologue(name: string, doc: string, sm: SmTarget, qk: number, blockBytes: number, lanesPerBlock: number, batch = 1): Dp4aContext {
  const R = DP4A_ROWS_PER_WARP;
  const M = batch;
  if (!Number.isInteger(M) || M < 1 || M > MAX_GEMV_BATCH) throw new RangeError(`GEMV batch must be 1..${MAX_GEMV_BATCH}, got ${M}`);
  const k = new KernelBuilder(M === 1 ? name : `${name}_b${M}`);
  k.maxThreads = 32 * WARPS_PER_BLOCK;
  k.doc = `${doc}; ${R} rows per warp; target ${sm}`;
  const { x: xq0, y, nRows, K, lane, row0, out, nb, wRows, sub, first } = gemvRowPrologue(k, 'xq', qk, blockBytes, lanesPerBlock, R);
  const xq: Reg[] = [xq0];
  if (M > 1) {
    const xRowBytes = k.mulWide('u32', k.shr('u32', K, 5), 36);
    for (let m = 1; m < M; m++) xq.push(k.add('u64', xq[m - 1], xRowBytes));
  }
  const acc = Array.from({ length: M }, () => Array.from({ length: R }, () => k.mov('f32', 0)));
  return { k, wRows, xq, sub, first, nb, acc, lane, row0, nRows, y, out };
}

/** Reduces the accumulators over the warp, stores the rows and finishes the kernel. */
export function dp4aEpilogue(c: Dp4aContext): Kernel {
  const { k, acc } = c;
  for (const a of acc.flat()) for (const off of [16, 8, 4, 2, 1]) k.add('f32', a, k.shfl('bfly', a, off), a);
  k.ifThen(k.setp('eq', 'u32', c.lane, 0), () => {
    const nBytes = acc.length > 1 ? k.mulWide('u32', c.nRows, 4) : undefined;
    for (let r = 0; r < DP4A_ROWS_PER_WARP; r++) {
      const row = r === 0 ? c.row0 : k.add('u32', c.row0, r);
      const store = (): void => {
        let at = k.mad('u32', row, 4, c.y, undefined, 'wide');
        acc.forEach((am, m) => {
          if (m > 0) at = k.add('u64', at, nBytes!);
          k.st('global', 'f32', at, 0, am[r]);
        });
      };
      if (r === 0) store();
      else k.ifThen(k.setp('lt', 'u32', row, c.nRows), store);
    }
  });
  k.label(c.out);
  k.ret();
  return k.build();
}

/**
 * Loads a Q8_1 block's d and s (one u32 at its start, as f32) and int8 words at qs bytes
 * `byteOff` + each of `wordOffsets` (byteOff a u32 reg; all multiples of 4) from block `blk` (u64).
 */
export function loadQ8_1(k: KernelBuilder, blk: Reg, byteOff: Reg, wordOffsets: readonly number[]): { dx: Reg; sx: Reg; q: Reg[] } {
  const [dh, sh] = k.unpack('b32', k.ld('global', 'u32', blk, 0, { nc: true }));
  const at = k.add('u64', blk, k.cvt('u64', 'u32', byteOff));
  return {
    dx: k.cvt('f32', 'f16', dh),
    sx: k.cvt('f32', 'f16', sh),
    q: wordOffsets.map((o) => k.ld('global', 'u32', at, 4 + o, { nc: true })),
  };
}

/**
 * The dp4a GEMV of a 32-value format whose blocks line up 1:1 with Q8_1 blocks: 4 lanes per
 * block, each lane's `lane(k, blk, sub)` giving its scale `d` and int8 words (bias removed) with
 * their qs byte offsets relative to `4·sub`·`stride`. acc += d·dx·Σ dp4a.
 */
export function buildDp4a32(
  name: string,
  doc: string,
  opts: { sm: SmTarget; batch?: number },
  blockBytes: number,
  xByteOf: (k: KernelBuilder, sub: Reg) => Reg,
  xWordOffsets: readonly number[],
  lane: (k: KernelBuilder, blk: Reg, sub: Reg) => { d: Reg; words: readonly Reg[] },
): Kernel {
  const c = dp4aPrologue(name, doc, opts.sm, 32, blockBytes, 4, opts.batch);
  const { k } = c;
  const xByte = xByteOf(k, c.sub);
  k.forRange('u32', c.first, c.nb, 8, (b) => {
    const bOff = k.mulWide('u32', b, blockBytes);
    const xOff = k.mulWide('u32', b, 36);
    const lanes = c.wRows.map((wr) => lane(k, k.add('u64', wr, bOff), c.sub));
    c.xq.forEach((xqm, m) => {
      const x = loadQ8_1(k, k.add('u64', xqm, xOff), xByte, xWordOffsets);
      lanes.forEach(({ d, words }, r) => {
        let sumi: Reg = k.dp4a('s32', 's32', words[0], x.q[0], 0);
        for (let i = 1; i < words.length; i++) sumi = k.dp4a('s32', 's32', words[i], x.q[i], sumi);
        k.fma('f32', k.mul('f32', d, x.dx), k.cvt('f32', 's32', sumi), c.acc[m][r], c.acc[m][r]);
      });
    });
  });
  return dp4aEpilogue(c);
}
