/**
 * Test support: a deliberately plain forward pass in float64, written from the formulas and
 * reading the GGUF directly (own metadata reads, weights dequantized by trueno), with no backend,
 * no KV cache and no shared code with the real path. It recomputes full causal attention over the
 * whole sequence, so it is O(n²) and only for small models. The layer-by-layer hidden states
 * let a test localize a divergence (DESIGN: check parity per layer, not only at the logits).
 */
import { dequantize } from '@sovereign/trueno';
import type { GGUFFile } from '../gguf/index.js';

/** Per-layer residual streams `(nTok, dim)` and the logits `(nTok, vocab)`. */
export interface ReferenceOutput {
  readonly hidden: Float64Array[];
  readonly logits: Float64Array;
}

function weights(file: GGUFFile, name: string): Float64Array | undefined {
  const t = file.tensor(name);
  return t ? Float64Array.from(dequantize(t.type, t.data, t.nElements)) : undefined;
}

/** y (n, nOut) = x (n, nIn) · Wᵀ, W stored (nOut, nIn) row-major. */
function matmul(w: Float64Array, x: Float64Array, n: number, nIn: number, nOut: number): Float64Array {
  const y = new Float64Array(n * nOut);
  for (let t = 0; t < n; t++) {
    for (let o = 0; o < nOut; o++) {
      let s = 0;
      for (let i = 0; i < nIn; i++) s += w[o * nIn + i] * x[t * nIn + i];
      y[t * nOut + o] = s;
    }
  }
  return y;
}

function rmsnorm(x: Float64Array, w: Float64Array, n: number, dim: number, eps: number): Float64Array {
  const y = new Float64Array(n * dim);
  for (let t = 0; t < n; t++) {
    let ss = 0;
    for (let i = 0; i < dim; i++) ss += x[t * dim + i] ** 2;
    const sc = 1 / Math.sqrt(ss / dim + eps);
    for (let i = 0; i < dim; i++) y[t * dim + i] = x[t * dim + i] * sc * w[i];
  }
  return y;
}

/** Rotates pairs in place: (2i, 2i+1) for 'normal', (i, i + nRot/2) for 'neox'; θ_i = pos · base^(-2i/nRot). */
function rope(x: Float64Array, n: number, nH: number, hd: number, nRot: number, base: number, neox: boolean): void {
  for (let t = 0; t < n; t++) {
    for (let h = 0; h < nH; h++) {
      const b = (t * nH + h) * hd;
      for (let i = 0; i < nRot / 2; i++) {
        const th = t * base ** ((-2 * i) / nRot);
        const j0 = neox ? b + i : b + 2 * i;
        const j1 = neox ? j0 + nRot / 2 : j0 + 1;
        const [a0, a1] = [x[j0], x[j1]];
        x[j0] = a0 * Math.cos(th) - a1 * Math.sin(th);
        x[j1] = a0 * Math.sin(th) + a1 * Math.cos(th);
      }
    }
  }
}

/** The forward pass of `tokens` at positions 0..n-1 of a llama or qwen2 GGUF, in float64. */
export function referenceForward(file: GGUFFile, tokens: readonly number[]): ReferenceOutput {
  const arch = file.getString('general.architecture');
  const num = (k: string, d?: number): number => file.getNumber(`${arch}.${k}`, d);
  const dim = num('embedding_length');
  const nL = num('block_count');
  const nH = num('attention.head_count');
  const nKv = num('attention.head_count_kv', nH);
  const hd = dim / nH;
  const nRot = num('rope.dimension_count', hd);
  const base = num('rope.freq_base', 10_000);
  const eps = num('attention.layer_norm_rms_epsilon');
  const ffn = num('feed_forward_length');
  const neox = arch === 'qwen2';
  const n = tokens.length;
  const embd = weights(file, 'token_embd.weight')!;
  const vocab = embd.length / dim;

  const x = new Float64Array(n * dim);
  tokens.forEach((tok, t) => x.set(embd.subarray(tok * dim, (tok + 1) * dim), t * dim));
  const hidden: Float64Array[] = [];
  for (let l = 0; l < nL; l++) {
    const w = (s: string): Float64Array | undefined => weights(file, `blk.${l}.${s}`);
    const h = rmsnorm(x, w('attn_norm.weight')!, n, dim, eps);
    const q = matmul(w('attn_q.weight')!, h, n, dim, nH * hd);
    const k = matmul(w('attn_k.weight')!, h, n, dim, nKv * hd);
    const v = matmul(w('attn_v.weight')!, h, n, dim, nKv * hd);
    for (const [y, b, m] of [[q, w('attn_q.bias'), nH * hd], [k, w('attn_k.bias'), nKv * hd], [v, w('attn_v.bias'), nKv * hd]] as const) {
      if (b) for (let i = 0; i < n * m; i++) y[i] += b[i % m];
    }
    rope(q, n, nH, hd, nRot, base, neox);
    rope(k, n, nKv, hd, nRot, base, neox);
    const att = new Float64Array(n * nH * hd);
    for (let t = 0; t < n; t++) {
      for (let hh = 0; hh < nH; hh++) {
        const kvh = Math.floor(hh / (nH / nKv));
        const s: number[] = [];
        for (let j = 0; j <= t; j++) {
          let d = 0;
          for (let i = 0; i < hd; i++) d += q[(t * nH + hh) * hd + i] * k[(j * nKv + kvh) * hd + i];
          s.push(d / Math.sqrt(hd));
        }
        const m = Math.max(...s);
        const e = s.map((z) => Math.exp(z - m));
        const z = e.reduce((p, c) => p + c, 0);
        for (let j = 0; j <= t; j++) {
          for (let i = 0; i < hd; i++) att[(t * nH + hh) * hd + i] += (e[j] / z) * v[(j * nKv + kvh) * hd + i];
        }
      }
    }
    const o = matmul(w('attn_output.weight')!, att, n, nH * hd, dim);
    for (let i = 0; i < n * dim; i++) x[i] += o[i];
    const h2 = rmsnorm(x, w('ffn_norm.weight')!, n, dim, eps);
    const g = matmul(w('ffn_gate.weight')!, h2, n, dim, ffn);
    const u = matmul(w('ffn_up.weight')!, h2, n, dim, ffn);
    for (let i = 0; i < n * ffn; i++) g[i] = (g[i] / (1 + Math.exp(-g[i]))) * u[i];
    const d = matmul(w('ffn_down.weight')!, g, n, ffn, dim);
    for (let i = 0; i < n * dim; i++) x[i] += d[i];
    hidden.push(x.slice());
  }
  const out = weights(file, 'output.weight') ?? embd;
  const logits = matmul(out, rmsnorm(x, weights(file, 'output_norm.weight')!, n, dim, eps), n, dim, vocab);
  return { hidden, logits };
}
