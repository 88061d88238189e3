/**
 * The ggml tensor types, with the numeric ids GGUF stores on disk (`enum ggml_type` in ggml.h).
 * Only ids are fixed by the file format; the block sizes and byte sizes below are ggml's.
 */
export enum GGMLType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
}

/** Layout of one ggml type: `blockSize` values are stored in `typeSize` bytes. */
export interface DTypeInfo {
  readonly type: GGMLType;
  /** ggml's name, as llama.cpp prints it (`q4_K`, `f16`, ...). */
  readonly name: string;
  /** Values per block (1 for plain float/int types). */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
  /** True when this package can quantize/dequantize the type (reference kernels exist). */
  readonly supported: boolean;
}

/** QK_K: the super-block size of all K-quants. */
export const QK_K = 256;

const info = (type: GGMLType, name: string, blockSize: number, typeSize: number, supported: boolean): DTypeInfo => ({
  type,
  name,
  blockSize,
  typeSize,
  supported,
});

// Sizes are ggml's `type_traits` table (ggml.c); K-quant sizes derive from QK_K = 256.
const TABLE: readonly DTypeInfo[] = [
  info(GGMLType.F32, 'f32', 1, 4, true),
  info(GGMLType.F16, 'f16', 1, 2, true),
  info(GGMLType.BF16, 'bf16', 1, 2, true),
  info(GGMLType.Q4_0, 'q4_0', 32, 18, true),
  info(GGMLType.Q4_1, 'q4_1', 32, 20, true),
  info(GGMLType.Q5_0, 'q5_0', 32, 22, true),
  info(GGMLType.Q5_1, 'q5_1', 32, 24, true),
  info(GGMLType.Q8_0, 'q8_0', 32, 34, true),
  info(GGMLType.Q8_1, 'q8_1', 32, 36, true),
  info(GGMLType.Q2_K, 'q2_K', QK_K, 84, true),
  info(GGMLType.Q3_K, 'q3_K', QK_K, 110, true),
  info(GGMLType.Q4_K, 'q4_K', QK_K, 144, true),
  info(GGMLType.Q5_K, 'q5_K', QK_K, 176, true),
  info(GGMLType.Q6_K, 'q6_K', QK_K, 210, true),
  info(GGMLType.Q8_K, 'q8_K', QK_K, 292, true),
  info(GGMLType.IQ2_XXS, 'iq2_xxs', QK_K, 66, false),
  info(GGMLType.IQ2_XS, 'iq2_xs', QK_K, 74, false),
  info(GGMLType.IQ3_XXS, 'iq3_xxs', QK_K, 98, false),
  info(GGMLType.IQ1_S, 'iq1_s', QK_K, 50, false),
  info(GGMLType.IQ4_NL, 'iq4_nl', 32, 18, false),
  info(GGMLType.IQ3_S, 'iq3_s', QK_K, 110, false),
  info(GGMLType.IQ2_S, 'iq2_s', QK_K, 82, false),
  info(GGMLType.IQ4_XS, 'iq4_xs', QK_K, 136, false),
  info(GGMLType.I8, 'i8', 1, 1, false),
  info(GGMLType.I16, 'i16', 1, 2, false),
  info(GGMLType.I32, 'i32', 1, 4, false),
  info(GGMLType.I64, 'i64', 1, 8, false),
  info(GGMLType.F64, 'f64', 1, 8, false),
  info(GGMLType.IQ1_M, 'iq1_m', QK_K, 56, false),
  info(GGMLType.TQ1_0, 'tq1_0', QK_K, 54, false),
  info(GGMLType.TQ2_0, 'tq2_0', QK_K, 66, false),
  info(GGMLType.MXFP4, 'mxfp4', 32, 17, false),
];

const BY_ID = new Map<number, DTypeInfo>(TABLE.map((d) => [d.type, d]));
const BY_NAME = new Map<string, DTypeInfo>(TABLE.map((d) => [d.name.toLowerCase(), d]));

/** Thrown for a type id or name that ggml does not define (or that this table does not know). */
export class UnknownDTypeError extends Error {
  override name = 'UnknownDTypeError';
  constructor(readonly what: number | string) {
    super(
      typeof what === 'number'
        ? `unknown ggml tensor type id ${what}: expected one of ${[...BY_ID.keys()].join(', ')}`
        : `unknown ggml tensor type '${what}': expected one of ${TABLE.map((d) => d.name).join(', ')}`,
    );
  }
}

/** Layout of a type id; undefined when the id is unknown. */
export function findDType(type: number): DTypeInfo | undefined {
  return BY_ID.get(type);
}

/** Layout of a type id; throws {@link UnknownDTypeError} when the id is unknown. */
export function dtypeInfo(type: number): DTypeInfo {
  const d = BY_ID.get(type);
  if (!d) throw new UnknownDTypeError(type);
  return d;
}

/** Looks a type up by ggml name, case-insensitively (`Q4_K`, `q4_k`, `f16`). */
export function dtypeByName(name: string): DTypeInfo {
  const d = BY_NAME.get(name.toLowerCase());
  if (!d) throw new UnknownDTypeError(name);
  return d;
}

/** All known types. */
export function allDTypes(): readonly DTypeInfo[] {
  return TABLE;
}

/**
 * Bytes taken by `n` values of `type`. `n` must be a multiple of the block size, as ggml requires
 * for every row; returns NaN otherwise so that callers can report the mismatch.
 */
export function bytesFor(type: number, n: number): number {
  const d = dtypeInfo(type);
  if (n % d.blockSize !== 0) return Number.NaN;
  return (n / d.blockSize) * d.typeSize;
}
