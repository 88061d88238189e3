/**
 * The `native` backend: matmul (more than 95% of a forward pass's time) runs in the C++ addon
 * with SIMD kernels and a thread pool; every other brick (getRows, RMSNorm, RoPE, bias, residual
 * add, SwiGLU, softmax, KV store, attention) is still the TypeScript reference, run by this
 * backend's own {@link RefBackend}. Weight types without a native kernel (of the foundation's
 * types only q8_1 and q8_K, activation formats that models do not store weights in) also fall
 * back to the reference, per call, and are counted in {@link fallbacks}.
 */
import { GGMLType, dtypeInfo } from '../dtype.js';
import { type AttentionParams, type Backend, BackendArgumentError, type RopeParams } from '../backend/backend.js';
import { RefBackend } from '../backend/ref-backend.js';
import type { Tensor } from '../tensor.js';
import type { NativeAddon } from './native-addon.js';

/** The native backend over a loaded addon (see the module comment). */
export class NativeBackend implements Backend {
  readonly name = 'native';
  /** Reference kernels for the bricks and weight types that have no native kernel yet. */
  readonly ref = new RefBackend();
  /** Matmul calls per ggml type that ran on the reference because no native kernel exists. */
  readonly fallbacks = new Map<GGMLType, number>();
  private readonly nativeTypes: ReadonlySet<number>;

  constructor(private readonly addon: NativeAddon) {
    this.nativeTypes = new Set(addon.info().types);
  }

  /** One line for `apr info`: ISA, threads, which types run natively and what falls back. */
  get description(): string {
    const types = [...this.nativeTypes].map((t) => dtypeInfo(t).name).join(', ');
    return `native C++ SIMD (${this.isa}, ${this.threads} threads): matmul for ${types}; other weight types and the other ops run the TS reference`;
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
    this.ref.getRows(w, ids, out);
  }

  rmsNorm(x: Float32Array, weight: Float32Array, eps: number, nTok: number, dim: number, out: Float32Array): void {
    this.ref.rmsNorm(x, weight, eps, nTok, dim, out);
  }

  rope(x: Float32Array, nTok: number, nHeads: number, headDim: number, positions: ArrayLike<number>, params: RopeParams): void {
    this.ref.rope(x, nTok, nHeads, headDim, positions, params);
  }

  addBias(x: Float32Array, bias: Float32Array, nTok: number, n: number): void {
    this.ref.addBias(x, bias, nTok, n);
  }

  add(a: Float32Array, b: Float32Array, n: number, out: Float32Array): void {
    this.ref.add(a, b, n, out);
  }

  swiglu(gate: Float32Array, up: Float32Array, n: number, out: Float32Array): void {
    this.ref.swiglu(gate, up, n, out);
  }

  softmax(x: Float32Array, nRows: number, n: number, scale = 1): void {
    this.ref.softmax(x, nRows, n, scale);
  }

  storeKv(k: Float32Array, v: Float32Array, kCache: Float32Array, vCache: Float32Array, p: AttentionParams): void {
    this.ref.storeKv(k, v, kCache, vCache, p);
  }

  attention(q: Float32Array, kCache: Float32Array, vCache: Float32Array, out: Float32Array, p: AttentionParams): void {
    this.ref.attention(q, kCache, vCache, out, p);
  }
}
