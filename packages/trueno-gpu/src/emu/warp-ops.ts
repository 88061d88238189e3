/**
 * Warp-collective instructions. The scheduler calls an executor once all non-exited lanes of a
 * warp wait at the same collective; it reads every lane's operands first, then writes every
 * lane's results, as the hardware exchange does.
 */
import type { Instr } from '../ptx/instr.js';
import { bf16BitsToF32, f16BitsToF32 } from './numerics.js';
import { EmuRuntimeError, reader, writer } from './operands.js';
import type { EmuThread, RegLayout } from './thread.js';

/** Runs one collective for a warp; `lanes[l]` is lane l's thread, undefined where it exited or does not exist. */
export type WarpExecutor = (lanes: readonly (EmuThread | undefined)[]) => void;

/**
 * shfl.sync per the PTX ISA: c packs the clamp (bits 0..4) and the segment mask (bits 8..12);
 * the source lane j is computed per mode, and a lane whose j falls outside its segment keeps its
 * own value and gets p = false. A lane in `membermask` that has exited (or a source lane outside
 * the participants) is undefined behaviour on the GPU, and an error here.
 */
export function shflExecutor(i: Extract<Instr, { op: 'shfl' }>, L: RegLayout, shared: ReadonlyMap<string, number>): WarpExecutor {
  const a = reader(i.a, 'b32', L, shared);
  const b = reader(i.b, 'u32', L, shared);
  const c = reader(i.c, 'u32', L, shared);
  const mask = reader(i.mask, 'u32', L, shared);
  const w = writer(i.d, 'b32', L);
  const wp = i.pd ? writer(i.pd, 'pred', L) : undefined;
  const mode = i.mode;
  const vals = new Uint32Array(32);
  const res = new Uint32Array(32);
  const ok = new Uint8Array(32);
  return (lanes) => {
    let present = 0;
    for (let l = 0; l < 32; l++) {
      const t = lanes[l];
      if (t) {
        present |= 1 << l;
        vals[l] = a(t);
      }
    }
    for (let l = 0; l < 32; l++) {
      const t = lanes[l];
      if (!t) continue;
      const m = mask(t);
      if ((m & present) >>> 0 !== m >>> 0) {
        const missing = (m & ~present) >>> 0;
        throw new EmuRuntimeError(
          `shfl.sync at lane ${l} (warp ${t.warp}): membermask 0x${(m >>> 0).toString(16)} names lanes that exited or do not exist ` +
            `(0x${missing.toString(16)}); every lane in the mask must execute the shfl`,
        );
      }
      const bv = b(t);
      const cv = c(t);
      const segmask = (cv >>> 8) & 0x1f;
      const clamp = cv & 0x1f;
      const minLane = l & segmask;
      const maxLane = minLane | (clamp & ~segmask);
      let j: number;
      let p: boolean;
      switch (mode) {
        case 'up':
          j = l - bv;
          p = j >= maxLane;
          break;
        case 'down':
          j = l + bv;
          p = j <= maxLane;
          break;
        case 'bfly':
          j = l ^ bv;
          p = j <= maxLane;
          break;
        case 'idx':
          j = minLane | (bv & ~segmask & 0x1f);
          p = j <= maxLane;
          break;
      }
      if (!p) j = l;
      if (!lanes[j]) throw new EmuRuntimeError(`shfl.sync at lane ${l}: source lane ${j} exited or does not exist`);
      res[l] = vals[j];
      ok[l] = p ? 1 : 0;
    }
    for (let l = 0; l < 32; l++) {
      const t = lanes[l];
      if (!t) continue;
      w(t, res[l]);
      if (wp) wp(t, ok[l]);
    }
  };
}

/**
 * mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}: D (16×8) = A (16×16) · B (16×8) + C with the
 * PTX ISA fragment layouts (groupID = lane >> 2, threadID_in_group = lane % 4):
 * A element i of a lane (i = 0..7, two per register, low half first) sits at
 * row groupID + 8·((i >> 1) & 1), column 2·tig + (i & 1) + 8·(i >= 4);
 * B element i (0..3) at row (k) 2·tig + (i & 1) + 8·(i >= 2), column groupID;
 * C/D element i (0..3) at row groupID + 8·(i >= 2), column 2·tig + (i & 1).
 * Products of halves are exact in double; each D is the double sum plus C, rounded once to f32
 * (tensor cores round or truncate partial sums differently, so GPU results may differ in the last
 * bits; conformance bounds allow for that). All 32 lanes must take part.
 */
export function mmaExecutor(i: Extract<Instr, { op: 'mma' }>, L: RegLayout): WarpExecutor {
  const none = new Map<string, number>();
  const ra = i.a.map((r) => reader(r, 'b32', L, none));
  const rb = i.b.map((r) => reader(r, 'b32', L, none));
  const rc = i.c.map((r) => reader(r, 'f32', L, none));
  const wd = i.d.map((r) => writer(r, 'f32', L));
  const half = i.ab === 'f16' ? f16BitsToF32 : bf16BitsToF32;
  const A = new Float64Array(16 * 16);
  const B = new Float64Array(16 * 8);
  const C = new Float64Array(16 * 8);
  return (lanes) => {
    for (let l = 0; l < 32; l++) {
      const t = lanes[l];
      if (!t) throw new EmuRuntimeError(`mma.sync needs all 32 lanes of the warp; lane ${l} exited or does not exist`);
      const g = l >> 2;
      const q = l & 3;
      for (let e = 0; e < 8; e++) {
        const bits = ra[e >> 1](t);
        const h = e & 1 ? bits >>> 16 : bits & 0xffff;
        A[(g + 8 * ((e >> 1) & 1)) * 16 + 2 * q + (e & 1) + (e >= 4 ? 8 : 0)] = half(h);
      }
      for (let e = 0; e < 4; e++) {
        const bits = rb[e >> 1](t);
        const h = e & 1 ? bits >>> 16 : bits & 0xffff;
        B[(2 * q + (e & 1) + (e >= 2 ? 8 : 0)) * 8 + g] = half(h);
      }
      for (let e = 0; e < 4; e++) C[(g + (e >= 2 ? 8 : 0)) * 8 + 2 * q + (e & 1)] = rc[e](t);
    }
    for (let l = 0; l < 32; l++) {
      const t = lanes[l]!;
      const g = l >> 2;
      const q = l & 3;
      for (let e = 0; e < 4; e++) {
        const m = g + (e >= 2 ? 8 : 0);
        const n = 2 * q + (e & 1);
        let s = 0;
        for (let k = 0; k < 16; k++) s += A[m * 16 + k] * B[k * 8 + n];
        wd[e](t, Math.fround(s + C[m * 8 + n]));
      }
    }
  };
}

/**
 * vote.sync: ballot gives each lane the bit mask of lanes whose predicate holds; any / all reduce
 * the predicate. Every lane named in the mask must take part (as for shfl.sync).
 */
export function voteExecutor(i: Extract<Instr, { op: 'vote' }>, L: RegLayout, shared: ReadonlyMap<string, number>): WarpExecutor {
  const p = reader(i.p, 'pred', L, shared);
  const mask = reader(i.mask, 'u32', L, shared);
  const w = writer(i.d, i.mode === 'ballot' ? 'b32' : 'pred', L);
  const mode = i.mode;
  return (lanes) => {
    let present = 0;
    let ballot = 0;
    for (let l = 0; l < 32; l++) {
      const t = lanes[l];
      if (!t) continue;
      present |= 1 << l;
      if (p(t)) ballot |= 1 << l;
    }
    for (let l = 0; l < 32; l++) {
      const t = lanes[l];
      if (!t) continue;
      const m = mask(t) >>> 0;
      if ((m & ~present) !== 0) throw new EmuRuntimeError(`vote.sync at lane ${l}: membermask 0x${m.toString(16)} names lanes that exited or do not exist`);
      const b = (ballot & m) >>> 0;
      w(t, mode === 'ballot' ? b : mode === 'any' ? (b !== 0 ? 1 : 0) : b === m ? 1 : 0);
    }
  };
}
