/**
 * Reference mul_mat and get_rows, with ggml CPU semantics (ggml-cpu.c `ggml_compute_forward_mul_mat`):
 * every activation row is converted once to the weight type's `vec_dot_type` (F32 stays f32, F16
 * rounds to half, quantized weights pair with Q8_0 / Q8_1 / Q8_K), then each output is that type's
 * scalar vec_dot. Converting the activations is what makes our logits agree with llama.cpp's:
 * a plain f32 dot of the dequantized weight would not round the same way.
 *
 * F32 and F16 weights get loops over typed-array views (same arithmetic as f32Ops / f16Ops
 * vecDot: float products summed in double); every other type goes through its QuantOps.vecDot.
 */
import { GGMLType, bytesFor, dtypeInfo } from '../dtype.js';
import { f16Ops } from '../quant/f16.js';
import { FP16_TO_FP32 } from '../quant/fp16.js';
import { quantOps } from '../quant/index.js';
import type { Tensor } from '../tensor.js';
import { BackendArgumentError } from './backend.js';
import type { Scratch } from './scratch.js';

const fround = Math.fround;

// Typed views of weight data, made once per weight (a view is an object, not a copy).
const f32Views = new WeakMap<Tensor, Float32Array>();
const u16Views = new WeakMap<Tensor, Uint16Array>();

/** The weight's data as float32 values, or undefined when the bytes are not 4-byte aligned. */
function f32Data(w: Tensor): Float32Array | undefined {
  let v = f32Views.get(w);
  if (!v && w.data.byteOffset % 4 === 0) {
    v = new Float32Array(w.data.buffer, w.data.byteOffset, w.data.byteLength / 4);
    f32Views.set(w, v);
  }
  return v;
}

/** The weight's data as fp16 bit patterns, or undefined when the bytes are not 2-byte aligned. */
function u16Data(w: Tensor): Uint16Array | undefined {
  let v = u16Views.get(w);
  if (!v && w.data.byteOffset % 2 === 0) {
    v = new Uint16Array(w.data.buffer, w.data.byteOffset, w.data.byteLength / 2);
    u16Views.set(w, v);
  }
  return v;
}

function checkMatmul(w: Tensor, x: Float32Array, nTok: number, out: Float32Array): void {
  const nIn = w.shape[0];
  const nOut = w.nRows;
  if (!Number.isInteger(nTok) || nTok < 1) throw new BackendArgumentError(`matmul ${w.name}: nTok must be a positive integer, got ${nTok}`);
  if (x.length < nTok * nIn) {
    throw new BackendArgumentError(`matmul ${w.name}: x needs (${nTok}, ${nIn}) = ${nTok * nIn} values, has ${x.length}`);
  }
  if (out.length < nTok * nOut) {
    throw new BackendArgumentError(`matmul ${w.name}: out needs (${nTok}, ${nOut}) = ${nTok * nOut} values, has ${out.length}`);
  }
}

/** `out (nTok, nOut) = x (nTok, nIn) · Wᵀ` for `w` of shape `[nIn, nOut]` (see Backend.matmul). */
export function matmulRef(w: Tensor, x: Float32Array, nTok: number, out: Float32Array, scratch: Scratch): void {
  checkMatmul(w, x, nTok, out);
  if (w.type === GGMLType.F32) {
    const wf = f32Data(w);
    if (wf) return matmulF32(wf, w.shape[0], w.nRows, x, nTok, out);
  } else if (w.type === GGMLType.F16) {
    const wh = u16Data(w);
    if (wh) return matmulF16(wh, w.shape[0], w.nRows, x, nTok, out, scratch);
  }
  matmulQuant(w, x, nTok, out, scratch);
}

// ggml_vec_dot_f32 (scalar): float products, double sum, stored as float. Output row o of the
// weight is read once for all tokens.
function matmulF32(w: Float32Array, nIn: number, nOut: number, x: Float32Array, nTok: number, out: Float32Array): void {
  for (let o = 0; o < nOut; o++) {
    const wo = o * nIn;
    for (let t = 0; t < nTok; t++) {
      const xo = t * nIn;
      let sum = 0;
      for (let i = 0; i < nIn; i++) sum += fround(w[wo + i] * x[xo + i]);
      out[t * nOut + o] = sum;
    }
  }
}

// ggml_vec_dot_f16 (scalar): x is first rounded to half (ggml converts src1 to vec_dot_type F16);
// the product of two halves is exact in float, summed in double.
function matmulF16(w: Uint16Array, nIn: number, nOut: number, x: Float32Array, nTok: number, out: Float32Array, scratch: Scratch): void {
  const xh = scratch.u8('matmul.f16', nTok * nIn * 2);
  const xf = scratch.f32('matmul.f16f', nTok * nIn);
  for (let t = 0; t < nTok; t++) f16Ops.quantizeRow(x.subarray(t * nIn, (t + 1) * nIn), xh.subarray(t * nIn * 2, (t + 1) * nIn * 2));
  for (let i = 0; i < nTok * nIn; i++) xf[i] = FP16_TO_FP32[xh[2 * i] | (xh[2 * i + 1] << 8)];
  for (let o = 0; o < nOut; o++) {
    const wo = o * nIn;
    for (let t = 0; t < nTok; t++) {
      const xo = t * nIn;
      let sum = 0;
      for (let i = 0; i < nIn; i++) sum += fround(FP16_TO_FP32[w[wo + i]] * xf[xo + i]);
      out[t * nOut + o] = sum;
    }
  }
}

// Any type with kernels: quantize x rows to vec_dot_type into scratch, then vec_dot per output.
// Row views (`subarray`) are small objects over existing memory; no data is copied.
function matmulQuant(w: Tensor, x: Float32Array, nTok: number, out: Float32Array, scratch: Scratch): void {
  const ops = quantOps(w.type);
  const vt = quantOps(ops.vecDotType);
  const nIn = w.shape[0];
  const nOut = w.nRows;
  const yRowBytes = bytesFor(ops.vecDotType, nIn);
  if (Number.isNaN(yRowBytes)) {
    throw new BackendArgumentError(`matmul ${w.name}: rows of ${nIn} do not fill whole ${dtypeInfo(ops.vecDotType).name} blocks`);
  }
  const y = scratch.u8('matmul.q', nTok * yRowBytes);
  for (let t = 0; t < nTok; t++) vt.quantizeRow(x.subarray(t * nIn, (t + 1) * nIn), y.subarray(t * yRowBytes, (t + 1) * yRowBytes));
  const wb = w.rowBytes;
  if (nTok === 1) {
    const y0 = y.subarray(0, yRowBytes);
    for (let o = 0; o < nOut; o++) out[o] = ops.vecDot(nIn, w.data.subarray(o * wb, (o + 1) * wb), y0);
    return;
  }
  for (let o = 0; o < nOut; o++) {
    const wRow = w.data.subarray(o * wb, (o + 1) * wb);
    for (let t = 0; t < nTok; t++) out[t * nOut + o] = ops.vecDot(nIn, wRow, y.subarray(t * yRowBytes, (t + 1) * yRowBytes));
  }
}

/** ggml get_rows: `out (ids.length, nIn)` = dequantized rows `ids` of `w` (see Backend.getRows). */
export function getRowsRef(w: Tensor, ids: ArrayLike<number>, out: Float32Array): void {
  const n = w.shape[0];
  const nRows = w.nRows;
  if (out.length < ids.length * n) {
    throw new BackendArgumentError(`getRows ${w.name}: out needs (${ids.length}, ${n}) = ${ids.length * n} values, has ${out.length}`);
  }
  const wf = w.type === GGMLType.F32 ? f32Data(w) : undefined;
  const ops = wf ? undefined : quantOps(w.type);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    if (!Number.isInteger(id) || id < 0 || id >= nRows) {
      throw new BackendArgumentError(`getRows ${w.name}: row id ${id} at index ${t} is out of range 0..${nRows - 1}`);
    }
    if (wf) {
      const src = id * n;
      const dst = t * n;
      for (let i = 0; i < n; i++) out[dst + i] = wf[src + i];
    } else {
      ops!.dequantizeRow(w.data.subarray(id * w.rowBytes, (id + 1) * w.rowBytes), out.subarray(t * n, (t + 1) * n));
    }
  }
}
