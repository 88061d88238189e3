/**
 * A deliberately plain forward pass in float64, written from the formulas (llama / qwen2 block,
 * see realizar's models/llama.ts for the same steps in bricks). It shares nothing with the real
 * path but the loaded weight views and their dequantization (ggml get_rows, which trueno checks
 * bit-exact against ggml on its own):
 * - no backend matmul: weights are dequantized in row chunks and dotted in float64, with exact
 *   activations (the real path rounds activations to the weight's vec_dot type, as ggml does);
 * - no KV cache: full causal attention over the whole sequence, O(n²);
 * - RoPE angles θ_i = pos · base^(-2i/nRot) computed per pair in float64 (ggml accumulates them in
 *   float), with linear scaling, llama 3 frequency factors and YaRN as ggml_rope_ext defines them.
 *
 * So its hidden states differ from ours only by float32 rounding (and activation quantization
 * for quantized weights), which lets `apr check --layers` name the first layer that diverges.
 * Memory stays small for large models: no weight is ever dequantized whole.
 */
import type { Model } from '@sovereign/realizar';

/** A weight tensor view as loaded by realizar (trueno's Tensor, reached through the model). */
type WeightTensor = Model['weights']['tokenEmbd'];

/** Per-layer residual streams `(nTok, dim)` after each block and the logits `(nTok, vocab)`. */
export interface ReferenceOutput {
  readonly hidden: Float64Array[];
  readonly logits: Float64Array;
}

/** Values dequantized per chunk: bounds scratch memory (~4 MiB of f32) for any matrix. */
const CHUNK_VALUES = 1 << 20;

/**
 * y (n, nOut) = x (n, nIn) · Wᵀ in float64, with W `[nIn, nOut]` dequantized a chunk of rows at a
 * time through the backend's get_rows.
 */
function matmul(model: Model, w: WeightTensor, x: Float64Array, n: number): Float64Array {
  const nIn = w.shape[0];
  const nOut = w.nRows;
  const y = new Float64Array(n * nOut);
  const rows = Math.max(1, Math.min(nOut, Math.floor(CHUNK_VALUES / nIn)));
  const buf = new Float32Array(rows * nIn);
  const ids = new Int32Array(rows);
  for (let o0 = 0; o0 < nOut; o0 += rows) {
    const m = Math.min(rows, nOut - o0);
    for (let j = 0; j < m; j++) ids[j] = o0 + j;
    model.backend.getRows(w, ids.subarray(0, m), buf);
    for (let t = 0; t < n; t++) {
      const xo = t * nIn;
      for (let j = 0; j < m; j++) {
        const wo = j * nIn;
        let s = 0;
        for (let i = 0; i < nIn; i++) s += buf[wo + i] * x[xo + i];
        y[t * nOut + o0 + j] = s;
      }
    }
  }
  return y;
}

function rmsnorm(x: Float64Array, w: Float32Array, n: number, dim: number, eps: number): Float64Array {
  const y = new Float64Array(n * dim);
  for (let t = 0; t < n; t++) {
    let ss = 0;
    for (let i = 0; i < dim; i++) ss += x[t * dim + i] ** 2;
    const sc = 1 / Math.sqrt(ss / dim + eps);
    for (let i = 0; i < dim; i++) y[t * dim + i] = x[t * dim + i] * sc * w[i];
  }
  return y;
}

function addBias(y: Float64Array, b: Float32Array | undefined, n: number, m: number): void {
  if (b) for (let i = 0; i < n * m; i++) y[i] += b[i % m];
}

/** (cos, sin) pairs of every rotated pair for positions 0..n-1, from ggml_rope_ext's definition. */
function ropeTable(model: Model, n: number): Float64Array {
  const r = model.config.rope;
  const ff = model.weights.ropeFreqs;
  const nRot = r.nRot;
  const freqScale = r.freqScale;
  const ext = r.extFactor ?? 0;
  // YaRN: pairs below `low` extrapolate (keep θ), above `high` interpolate (θ · freqScale), a
  // linear ramp between; cos/sin are scaled by attnFactor · (1 + 0.1 ln(1/freqScale)).
  let low = 0;
  let high = 0;
  let mscale = r.attnFactor ?? 1;
  if (ext !== 0) {
    const corr = (beta: number): number => (nRot * Math.log(r.nCtxOrig! / (beta * 2 * Math.PI))) / (2 * Math.log(r.freqBase));
    low = Math.max(0, Math.floor(corr(r.betaFast ?? 32)));
    high = Math.min(nRot - 1, Math.ceil(corr(r.betaSlow ?? 1)));
    mscale *= 1 + 0.1 * Math.log(1 / freqScale);
  }
  const table = new Float64Array(n * nRot);
  for (let pos = 0; pos < n; pos++) {
    for (let i = 0; i < nRot / 2; i++) {
      const extrap = (pos * r.freqBase ** ((-2 * i) / nRot)) / (ff ? ff[i] : 1);
      const interp = freqScale * extrap;
      let th = interp;
      if (ext !== 0) {
        const ramp = 1 - Math.min(1, Math.max(0, (i - low) / Math.max(0.001, high - low)));
        th = interp * (1 - ramp * ext) + extrap * ramp * ext;
      }
      table[pos * nRot + 2 * i] = Math.cos(th) * mscale;
      table[pos * nRot + 2 * i + 1] = Math.sin(th) * mscale;
    }
  }
  return table;
}

/** Rotates `x (n, nH, hd)` in place: pairs (2i, 2i+1) for `normal`, (i, i + nRot/2) for `neox`. */
function rope(model: Model, table: Float64Array, x: Float64Array, n: number, nH: number): void {
  const { headDim: hd, rope: r } = model.config;
  const nRot = r.nRot;
  const neox = r.mode === 'neox';
  for (let t = 0; t < n; t++) {
    for (let h = 0; h < nH; h++) {
      const b = (t * nH + h) * hd;
      for (let i = 0; i < nRot / 2; i++) {
        const c = table[t * nRot + 2 * i];
        const s = table[t * nRot + 2 * i + 1];
        const j0 = neox ? b + i : b + 2 * i;
        const j1 = neox ? j0 + nRot / 2 : j0 + 1;
        const a0 = x[j0];
        const a1 = x[j1];
        x[j0] = a0 * c - a1 * s;
        x[j1] = a0 * s + a1 * c;
      }
    }
  }
}

/** softmax(q·kᵀ / sqrt(hd)) · v per head, causal, query head h reading KV head h / (nH / nKv). */
function attention(model: Model, q: Float64Array, k: Float64Array, v: Float64Array, n: number): Float64Array {
  const { nHeads: nH, nKvHeads: nKv, headDim: hd } = model.config;
  const out = new Float64Array(n * nH * hd);
  const scale = 1 / Math.sqrt(hd);
  const s = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    for (let h = 0; h < nH; h++) {
      const kvh = Math.floor(h / (nH / nKv));
      const qo = (t * nH + h) * hd;
      let m = -Infinity;
      for (let j = 0; j <= t; j++) {
        let d = 0;
        const ko = (j * nKv + kvh) * hd;
        for (let i = 0; i < hd; i++) d += q[qo + i] * k[ko + i];
        s[j] = d * scale;
        if (s[j] > m) m = s[j];
      }
      let z = 0;
      for (let j = 0; j <= t; j++) {
        s[j] = Math.exp(s[j] - m);
        z += s[j];
      }
      for (let j = 0; j <= t; j++) {
        const p = s[j] / z;
        const vo = (j * nKv + kvh) * hd;
        for (let i = 0; i < hd; i++) out[qo + i] += p * v[vo + i];
      }
    }
  }
  return out;
}

/**
 * The forward pass of `tokens` at positions 0..n-1 in float64. `onLayer`, when given, receives
 * each layer's residual stream as soon as it is computed (and then `hidden` stays empty), so a
 * caller can compare and drop it instead of holding every layer of a large model.
 */
export function referenceForward(
  model: Model,
  tokens: readonly number[],
  onLayer?: (layer: number, hidden: Float64Array) => void,
): ReferenceOutput {
  const c = model.config;
  const w = model.weights;
  const { dim, nHeads, nKvHeads, headDim, rmsEps: eps } = c;
  const n = tokens.length;

  const emb = new Float32Array(n * dim);
  model.backend.getRows(w.tokenEmbd, tokens, emb);
  const x = Float64Array.from(emb);
  const table = ropeTable(model, n);
  const hidden: Float64Array[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    const L = w.layers[l];
    const h = rmsnorm(x, L.attnNorm, n, dim, eps);
    const q = matmul(model, L.wq, h, n);
    const k = matmul(model, L.wk, h, n);
    const v = matmul(model, L.wv, h, n);
    addBias(q, L.bq, n, nHeads * headDim);
    addBias(k, L.bk, n, nKvHeads * headDim);
    addBias(v, L.bv, n, nKvHeads * headDim);
    rope(model, table, q, n, nHeads);
    rope(model, table, k, n, nKvHeads);
    const o = matmul(model, L.wo, attention(model, q, k, v, n), n);
    addBias(o, L.bo, n, dim);
    for (let i = 0; i < n * dim; i++) x[i] += o[i];

    const h2 = rmsnorm(x, L.ffnNorm, n, dim, eps);
    const g = matmul(model, L.wGate, h2, n);
    const u = matmul(model, L.wUp, h2, n);
    for (let i = 0; i < g.length; i++) g[i] = (g[i] / (1 + Math.exp(-g[i]))) * u[i]; // SwiGLU
    const d = matmul(model, L.wDown, g, n);
    for (let i = 0; i < n * dim; i++) x[i] += d[i];
    if (onLayer) onLayer(l, x);
    else hidden.push(x.slice());
  }
  const logits = matmul(model, w.output, rmsnorm(x, w.outputNorm, n, dim, eps), n);
  return { hidden, logits };
}
