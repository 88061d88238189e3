/**
 * The `native` backend: every brick of the forward pass runs in the C++ addon. Matmul (SIMD
 * kernels per weight type) and attention (per (token, head) work items) use the thread pool;
 * RMSNorm, RoPE, bias, residual add, SwiGLU, softmax, the KV store, the embedding lookup and
 * argmax run on the calling thread. Weight types without a native matmul kernel (of the
 * foundation's types only q8_1 and q8_K, activation formats that models do not store weights in),
 * or without a native dequantizer for getRows (the addon's info() lists both), fall back to this
 * backend's own {@link RefBackend}, per call, and are counted in {@link fallbacks} and
 * {@link getRowsFallbacks}. Shapes are checked here with the reference's checks (the same
 * BackendArgumentError messages); the addon checks again before it touches memory.
 */
import { GGMLType, dtypeInfo } from '../dtype.js';
import { type AttentionParams, type Backend, BackendArgumentError, type RopeParams } from '../backend/backend.js';
import { checkAttentionParams } from '../backend/ref-attention.js';
import { RefBackend } from '../backend/ref-backend.js';
import { copyWithinRef, need } from '../backend/ref-ops.js';
import { checkRope } from '../backend/ref-rope.js';
import type { Tensor } from '../tensor.js';
import type { NativeAddon } from './native-addon.js';

/** True when `a[0..na)` and `b[0..nb)` share memory without being the same array start. */
function partlyOverlap(a: Float32Array, na: number, b: Float32Array, nb: number): boolean {
  if (a.buffer !== b.buffer || a.byteOffset === b.byteOffset) return false;
  return a.byteOffset < b.byteOffset + nb * 4 && b.byteOffset < a.byteOffset + na * 4;
}

/** The native backend over a loaded addon (see the module comment). */
export class NativeBackend implements Backend {
  readonly name = 'native';
  /** Reference kernels for the bricks and weight types that have no native kernel yet. */
  readonly ref = new RefBackend();
  /** Matmul calls per ggml type that ran on the reference because no native kernel exists. */
  readonly fallbacks = new Map<GGMLType, number>();
  /** getRows calls per ggml type that ran on the reference because no native dequantizer exists. */
  readonly getRowsFallbacks = new Map<GGMLType, number>();
  private readonly nativeTypes: ReadonlySet<number>;
  private readonly rowTypes: ReadonlySet<number>;
  /** Grow-only Int32 copies of ids/positions given as other array types. */
  private ids = new Int32Array(0);
  private positions = new Int32Array(0);

  constructor(private readonly addon: NativeAddon) {
    const info = addon.info();
    this.nativeTypes = new Set(info.types);
    this.rowTypes = new Set(info.getRowsTypes);
  }

  /** One line for `apr info`: ISA, threads, which types run natively and what falls back. */
  get description(): string {
    const types = [...this.nativeTypes].map((t) => dtypeInfo(t).name).join(', ');
    return `native C++ SIMD (${this.isa}, ${this.threads} threads): all ops native; matmul for ${types}, other weight types on the TS reference`;
  }

  /** Kernel set in use: `avx512`, `avx2` or `generic`. */
  get isa(): string {
    return this.addon.info().isa;
  }

  /** Kernel sets this CPU can run, best first. */
  get isas(): readonly string[] {
    return this.addon.info().isas;
  }

  /** Threads of the native pool, the calling thread included. */
  get threads(): number {
    return this.addon.info().threads;
  }

  /** Resizes the native thread pool; returns the new size. */
  setThreads(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new BackendArgumentError(`threads must be a positive integer, got ${n}`);
    return this.addon.setThreads(n);
  }

  /** Switches kernel set (`generic`, `avx2`, `avx512`); false when this CPU cannot run it. */
  setIsa(isa: string): boolean {
    return this.addon.setIsa(isa);
  }

  /** True when `type` has native matmul kernels. */
  supportsType(type: GGMLType): boolean {
    return this.nativeTypes.has(type);
  }

  matmul(w: Tensor, x: Float32Array, nTok: number, out: Float32Array): void {
    if (!this.nativeTypes.has(w.type)) {
      this.fallbacks.set(w.type, (this.fallbacks.get(w.type) ?? 0) + 1);
      this.ref.matmul(w, x, nTok, out);
      return;
    }
    const nIn = w.shape[0];
    const nOut = w.nRows;
    if (!Number.isInteger(nTok) || nTok < 1) throw new BackendArgumentError(`matmul ${w.name}: nTok must be a positive integer, got ${nTok}`);
    if (x.length < nTok * nIn) {
      throw new BackendArgumentError(`matmul ${w.name}: x needs (${nTok}, ${nIn}) = ${nTok * nIn} values, has ${x.length}`);
    }
    if (out.length < nTok * nOut) {
      throw new BackendArgumentError(`matmul ${w.name}: out needs (${nTok}, ${nOut}) = ${nTok * nOut} values, has ${out.length}`);
    }
    if (x.buffer === out.buffer && x.byteOffset < out.byteOffset + nTok * nOut * 4 && out.byteOffset < x.byteOffset + nTok * nIn * 4) {
      throw new BackendArgumentError(`matmul ${w.name}: x and out overlap`);
    }
    this.addon.matmul(w.data, w.type, nIn, nOut, x, nTok, out);
  }

  getRows(w: Tensor, ids: ArrayLike<number>, out: Float32Array): void {
    if (!this.rowTypes.has(w.type)) {
      this.getRowsFallbacks.set(w.type, (this.getRowsFallbacks.get(w.type) ?? 0) + 1);
      this.ref.getRows(w, ids, out);
      return;
    }
    const n = w.shape[0];
    const nRows = w.nRows;
    const nIds = ids.length;
    if (out.length < nIds * n) {
      throw new BackendArgumentError(`getRows ${w.name}: out needs (${nIds}, ${n}) = ${nIds * n} values, has ${out.length}`);
    }
    if (nIds === 0) return;
    let idArr: Int32Array;
    if (ids instanceof Int32Array) idArr = ids;
    else {
      if (this.ids.length < nIds) this.ids = new Int32Array(Math.max(nIds, 2 * this.ids.length));
      idArr = this.ids;
    }
    for (let t = 0; t < nIds; t++) {
      const id = ids[t];
      if (!Number.isInteger(id) || id < 0 || id >= nRows) {
        throw new BackendArgumentError(`getRows ${w.name}: row id ${id} at index ${t} is out of range 0..${nRows - 1}`);
      }
      if (idArr !== ids) idArr[t] = id;
    }
    this.addon.getRows(w.data, w.type, n, nRows, idArr, nIds, out);
  }

  rmsNorm(x: Float32Array, weight: Float32Array, eps: number, nTok: number, dim: number, out: Float32Array): void {
    need('rmsNorm', 'x', x, nTok * dim);
    need('rmsNorm', 'out', out, nTok * dim);
    need('rmsNorm', 'weight', weight, dim);
    if (nTok === 0 || dim === 0) return;
    if (partlyOverlap(x, nTok * dim, out, nTok * dim)) throw new BackendArgumentError('rmsNorm: x and out overlap without being the same array');
    this.addon.rmsNorm(x, weight, eps, nTok, dim, out);
  }

  rope(x: Float32Array, nTok: number, nHeads: number, headDim: number, positions: ArrayLike<number>, params: RopeParams): void {
    const nRot = checkRope(x, nTok, nHeads, headDim, positions, params);
    if (nTok === 0 || nHeads === 0) return;
    let pos: Int32Array;
    if (positions instanceof Int32Array) pos = positions;
    else {
      if (this.positions.length < nTok) this.positions = new Int32Array(Math.max(nTok, 2 * this.positions.length));
      pos = this.positions;
      for (let t = 0; t < nTok; t++) pos[t] = positions[t];
    }
    this.addon.rope(
      x,
      nTok,
      nHeads,
      headDim,
      pos,
      params.mode === 'neox',
      nRot,
      params.freqBase,
      params.freqScale ?? 1,
      params.extFactor ?? 0,
      params.attnFactor ?? 1,
      params.betaFast ?? 32,
      params.betaSlow ?? 1,
      params.nCtxOrig ?? 0,
      params.freqFactors ?? null,
    );
  }

  addBias(x: Float32Array, bias: Float32Array, nTok: number, n: number): void {
    need('addBias', 'x', x, nTok * n);
    need('addBias', 'bias', bias, n);
    if (nTok === 0 || n === 0) return;
    this.addon.addBias(x, bias, nTok, n);
  }

  add(a: Float32Array, b: Float32Array, n: number, out: Float32Array): void {
    need('add', 'a', a, n);
    need('add', 'b', b, n);
    need('add', 'out', out, n);
    if (partlyOverlap(a, n, out, n) || partlyOverlap(b, n, out, n)) throw new BackendArgumentError('add: an input and out overlap without being the same array');
    this.addon.add(a, b, n, out);
  }

  swiglu(gate: Float32Array, up: Float32Array, n: number, out: Float32Array): void {
    need('swiglu', 'gate', gate, n);
    need('swiglu', 'up', up, n);
    need('swiglu', 'out', out, n);
    if (partlyOverlap(gate, n, out, n) || partlyOverlap(up, n, out, n)) {
      throw new BackendArgumentError('swiglu: an input and out overlap without being the same array');
    }
    this.addon.swiglu(gate, up, n, out);
  }

  softmax(x: Float32Array, nRows: number, n: number, scale = 1): void {
    need('softmax', 'x', x, nRows * n);
    if (nRows === 0 || n === 0) return;
    this.addon.softmax(x, nRows, n, scale);
  }

  storeKv(k: Float32Array, v: Float32Array, kCache: Float32Array, vCache: Float32Array, p: AttentionParams): void {
    checkAttentionParams('storeKv', p, Math.min(kCache.length, vCache.length));
    const kvDim = p.nKvHeads * p.headDim;
    if (k.length < p.nTok * kvDim || v.length < p.nTok * kvDim) {
      throw new BackendArgumentError(`storeKv: k and v need (${p.nTok}, ${kvDim}) values, have ${k.length} and ${v.length}`);
    }
    if (p.nTok === 0) return;
    this.addon.storeKv(k, v, kCache, vCache, p.nTok, p.nKvHeads, p.headDim, p.ctxLen, p.pos0);
  }

  attention(q: Float32Array, kCache: Float32Array, vCache: Float32Array, out: Float32Array, p: AttentionParams): void {
    checkAttentionParams('attention', p, Math.min(kCache.length, vCache.length));
    const qDim = p.nHeads * p.headDim;
    if (q.length < p.nTok * qDim || out.length < p.nTok * qDim) {
      throw new BackendArgumentError(`attention: q and out need (${p.nTok}, ${qDim}) values, have ${q.length} and ${out.length}`);
    }
    if (p.nTok === 0) return;
    const nq = p.nTok * qDim;
    if (q.buffer === out.buffer && q.byteOffset < out.byteOffset + nq * 4 && out.byteOffset < q.byteOffset + nq * 4) {
      throw new BackendArgumentError('attention: q and out overlap');
    }
    this.addon.attention(q, kCache, vCache, out, p.nTok, p.nHeads, p.nKvHeads, p.headDim, p.ctxLen, p.pos0, p.scale);
  }

  argmax(x: Float32Array, n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new BackendArgumentError(`argmax: n must be a positive integer, got ${n}`);
    need('argmax', 'x', x, n);
    return this.addon.argmax(x, n);
  }

  /** A memmove within one host buffer: the JS engine's copyWithin is already a memmove. */
  copyWithin(x: Float32Array, dst: number, src: number, n: number): void {
    copyWithinRef(x, dst, src, n);
  }
}
