/**
 * The `ref` backend: pure TypeScript, always present, and the oracle every other backend is
 * checked against. Its numerics are ggml-cpu's scalar paths (see the ref-* files).
 */
import type { Tensor } from '../tensor.js';
import type { AttentionParams, Backend, RopeParams } from './backend.js';
import { attentionRef, storeKvRef } from './ref-attention.js';
import { getRowsRef, matmulRef } from './ref-matmul.js';
import { addBiasRef, addRef, argmaxRef, copyWithinRef, rmsNormRef, softmaxRef, swigluRef } from './ref-ops.js';
import { ropeRef } from './ref-rope.js';
import { Scratch } from './scratch.js';

/** The reference backend. Each instance owns its scratch buffers; see {@link refBackend}. */
export class RefBackend implements Backend {
  readonly name = 'ref';
  readonly description = 'pure TypeScript reference kernels (ggml-cpu scalar semantics, single thread)';
  /** Grow-only scratch (quantized activations, attention scores, RoPE cos/sin). */
  readonly scratch = new Scratch();

  matmul(w: Tensor, x: Float32Array, nTok: number, out: Float32Array): void {
    matmulRef(w, x, nTok, out, this.scratch);
  }

  getRows(w: Tensor, ids: ArrayLike<number>, out: Float32Array): void {
    getRowsRef(w, ids, out);
  }

  rmsNorm(x: Float32Array, weight: Float32Array, eps: number, nTok: number, dim: number, out: Float32Array): void {
    rmsNormRef(x, weight, eps, nTok, dim, out);
  }

  rope(x: Float32Array, nTok: number, nHeads: number, headDim: number, positions: ArrayLike<number>, params: RopeParams): void {
    ropeRef(x, nTok, nHeads, headDim, positions, params, this.scratch);
  }

  addBias(x: Float32Array, bias: Float32Array, nTok: number, n: number): void {
    addBiasRef(x, bias, nTok, n);
  }

  add(a: Float32Array, b: Float32Array, n: number, out: Float32Array): void {
    addRef(a, b, n, out);
  }

  swiglu(gate: Float32Array, up: Float32Array, n: number, out: Float32Array): void {
    swigluRef(gate, up, n, out);
  }

  softmax(x: Float32Array, nRows: number, n: number, scale = 1): void {
    softmaxRef(x, nRows, n, scale);
  }

  storeKv(k: Float32Array, v: Float32Array, kCache: Float32Array, vCache: Float32Array, p: AttentionParams): void {
    storeKvRef(k, v, kCache, vCache, p);
  }

  attention(q: Float32Array, kCache: Float32Array, vCache: Float32Array, out: Float32Array, p: AttentionParams): void {
    attentionRef(q, kCache, vCache, out, p, this.scratch);
  }

  argmax(x: Float32Array, n: number): number {
    return argmaxRef(x, n);
  }

  copyWithin(x: Float32Array, dst: number, src: number, n: number): void {
    copyWithinRef(x, dst, src, n);
  }
}

/** The shared reference backend of this thread. */
export const refBackend: RefBackend = new RefBackend();
