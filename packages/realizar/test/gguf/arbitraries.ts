/**
 * fast-check arbitraries for GGUF metadata values and whole write specs, and a bitwise comparison
 * of values (NaN equals NaN, -0 differs from +0, float arrays compared by their bytes).
 */
import fc from 'fast-check';
import { bytesFor, dtypeInfo, GGMLType } from '@sovereign/trueno';
import {
  type GGUFArray,
  type GGUFTensorSpec,
  type GGUFValue,
  GGUFValueType as T,
  type GGUFWriteSpec,
  gguf,
} from '../../src/gguf/index.js';

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Unicode strings (any code point, well-formed UTF-16). */
export const unicode = (maxLength = 12, minLength = 0) => fc.string({ unit: 'binary', minLength, maxLength });

const u64 = fc.oneof(fc.constantFrom(0n, 1n, U64_MAX, U64_MAX - 1n, 1n << 63n, 1n << 53n), fc.bigInt({ min: 0n, max: U64_MAX }));
const i64 = fc.oneof(fc.constantFrom(0n, -1n, I64_MIN, I64_MAX, -(1n << 53n)), fc.bigInt({ min: I64_MIN, max: I64_MAX }));

/** Scalars of every type, including extreme integers, NaN, ±0, ±Infinity and unicode strings. */
export const scalarArb: fc.Arbitrary<GGUFValue> = fc.oneof(
  fc.integer({ min: 0, max: 0xff }).map((v) => ({ type: T.UINT8, value: v }) as GGUFValue),
  fc.integer({ min: -0x80, max: 0x7f }).map((v) => ({ type: T.INT8, value: v }) as GGUFValue),
  fc.integer({ min: 0, max: 0xffff }).map((v) => ({ type: T.UINT16, value: v }) as GGUFValue),
  fc.integer({ min: -0x8000, max: 0x7fff }).map((v) => ({ type: T.INT16, value: v }) as GGUFValue),
  fc.integer({ min: 0, max: 0xffff_ffff }).map((v) => ({ type: T.UINT32, value: v }) as GGUFValue),
  fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }).map((v) => ({ type: T.INT32, value: v }) as GGUFValue),
  fc.float().map((v) => ({ type: T.FLOAT32, value: v }) as GGUFValue),
  fc.double().map((v) => ({ type: T.FLOAT64, value: v }) as GGUFValue),
  u64.map((v) => ({ type: T.UINT64, value: v }) as GGUFValue),
  i64.map((v) => ({ type: T.INT64, value: v }) as GGUFValue),
  fc.boolean().map((v) => ({ type: T.BOOL, value: v }) as GGUFValue),
  unicode(24).map((v) => ({ type: T.STRING, value: v }) as GGUFValue),
);

const len = { maxLength: 8 };
// Float arrays from raw bit patterns, so NaN payloads and signalling NaNs are covered too.
const f32Bits = fc.uint32Array(len).map((u) => new Float32Array(u.buffer));
const f64Bits = fc.bigUint64Array(len).map((u) => new Float64Array(u.buffer));

/** Flat arrays of every item type. */
const flatArrayArb: fc.Arbitrary<GGUFArray> = fc.oneof(
  fc.uint8Array(len).map((v) => gguf.arr(T.UINT8, v) as GGUFArray),
  fc.int8Array(len).map((v) => gguf.arr(T.INT8, v) as GGUFArray),
  fc.uint16Array(len).map((v) => gguf.arr(T.UINT16, v) as GGUFArray),
  fc.int16Array(len).map((v) => gguf.arr(T.INT16, v) as GGUFArray),
  fc.uint32Array(len).map((v) => gguf.arr(T.UINT32, v) as GGUFArray),
  fc.int32Array(len).map((v) => gguf.arr(T.INT32, v) as GGUFArray),
  f32Bits.map((value) => ({ type: T.ARRAY, itemType: T.FLOAT32, value }) as GGUFArray),
  f64Bits.map((value) => ({ type: T.ARRAY, itemType: T.FLOAT64, value }) as GGUFArray),
  fc.array(u64, len).map((v) => gguf.arr(T.UINT64, v) as GGUFArray),
  fc.array(i64, len).map((v) => gguf.arr(T.INT64, v) as GGUFArray),
  fc.array(fc.boolean(), len).map((v) => gguf.arr(T.BOOL, v) as GGUFArray),
  fc.array(unicode(10), len).map((v) => gguf.arr(T.STRING, v) as GGUFArray),
);

/** Arrays, nested up to 3 levels. */
export const arrayArb: fc.Arbitrary<GGUFArray> = fc.letrec<{ arr: GGUFArray }>((tie) => ({
  arr: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    flatArrayArb,
    fc.array(tie('arr'), { maxLength: 4 }).map((v) => gguf.arrArr(v) as GGUFArray),
  ),
})).arr;

/** Any value. */
export const valueArb: fc.Arbitrary<GGUFValue> = fc.oneof(scalarArb, arrayArb);

/** Tensor types exercised by the round-trip property (plain, legacy quants, K-quants, others). */
export const TENSOR_TYPES = [
  GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.F64, GGMLType.I8, GGMLType.I16, GGMLType.I32, GGMLType.I64,
  GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q5_1, GGMLType.Q8_0, GGMLType.Q2_K, GGMLType.Q3_K,
  GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K, GGMLType.Q8_K, GGMLType.IQ4_NL, GGMLType.MXFP4,
];

/** One tensor shape: type, 1..4 dims with ne0 a multiple of the block size. */
const shapeArb = fc.record({
  type: fc.constantFrom(...TENSOR_TYPES),
  blocks: fc.integer({ min: 1, max: 3 }),
  rest: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
});

/** Tensors with unique names and random bytes of the exact size. */
export const tensorsArb: fc.Arbitrary<GGUFTensorSpec[]> = fc
  .uniqueArray(unicode(8, 1), { maxLength: 5 })
  .chain((names) =>
    fc.tuple(...names.map((name) =>
      shapeArb.chain(({ type, blocks, rest }) => {
        const dims = [dtypeInfo(type).blockSize * blocks, ...rest];
        const n = bytesFor(type, dims.reduce((a, b) => a * b, 1));
        return fc.uint8Array({ minLength: n, maxLength: n }).map((data): GGUFTensorSpec => ({ name, type, dims, data }));
      }),
    )),
  );

const ALIGNMENTS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** Whole write specs: v2/v3, alignments 1..256, random metadata and tensors. */
export const specArb: fc.Arbitrary<GGUFWriteSpec> = fc
  .record({
    version: fc.constantFrom(2 as const, 3 as const),
    alignment: fc.constantFrom(...ALIGNMENTS),
    keys: fc.uniqueArray(unicode(12, 1).filter((k) => k !== 'general.alignment'), { maxLength: 8 }),
    values: fc.array(valueArb, { minLength: 8, maxLength: 8 }),
    alignmentAt: fc.nat(8),
    explicitAlignmentKey: fc.boolean(),
    tensors: tensorsArb,
  })
  .map(({ version, alignment, keys, values, alignmentAt, explicitAlignmentKey, tensors }) => {
    const metadata: Array<[string, GGUFValue]> = keys.map((k, i) => [k, values[i]]);
    // Alignment other than 32 must be declared in the metadata; 32 may or may not be.
    if (alignment !== 32 || explicitAlignmentKey) {
      metadata.splice(Math.min(alignmentAt, metadata.length), 0, ['general.alignment', gguf.u32(alignment)]);
    }
    return { version, alignment, metadata, tensors };
  });

function bytesOf(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Bitwise equality of two values; returns a description of the first difference or undefined. */
export function valueDiff(a: GGUFValue, b: GGUFValue, path = ''): string | undefined {
  if (a.type !== b.type) return `${path}: type ${a.type} vs ${b.type}`;
  if (a.type === T.ARRAY && b.type === T.ARRAY) {
    if (a.itemType !== b.itemType) return `${path}: itemType ${a.itemType} vs ${b.itemType}`;
    const x = a.value as ArrayLike<unknown>;
    const y = b.value as ArrayLike<unknown>;
    if (x.length !== y.length) return `${path}: length ${x.length} vs ${y.length}`;
    if (ArrayBuffer.isView(x) || ArrayBuffer.isView(y)) {
      if (!ArrayBuffer.isView(x) || !ArrayBuffer.isView(y) || x.constructor !== y.constructor) return `${path}: container class`;
      const p = bytesOf(x);
      const q = bytesOf(y);
      for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return `${path}: byte ${i}`;
      return undefined;
    }
    for (let i = 0; i < x.length; i++) {
      if (a.itemType === T.ARRAY) {
        const d = valueDiff(x[i] as GGUFValue, y[i] as GGUFValue, `${path}[${i}]`);
        if (d) return d;
      } else if (!Object.is(x[i], y[i])) return `${path}[${i}]: ${String(x[i])} vs ${String(y[i])}`;
    }
    return undefined;
  }
  return Object.is(a.value, b.value) ? undefined : `${path}: ${String(a.value)} vs ${String(b.value)}`;
}

/** Byte-level equality with the first differing offset in the message. */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
