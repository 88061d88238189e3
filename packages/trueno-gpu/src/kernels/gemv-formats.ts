/**
 * The GEMV formats by ggml type, for a backend that picks a kernel from a weight's tensor type.
 * Together they cover llama.cpp's Q8_0, Q4_0 and Q4_K_M / Q5_K_M / Q6_K files (the _M mixes store
 * some tensors as Q5_0, Q6_K or Q8_0).
 */
import { type GGMLType, dtypeInfo } from '@sovereign/trueno';
import type { Kernel } from '../ptx/kernel.js';
import { type GemvBuildOptions, type GemvFormat, buildGemv } from './gemv-common.js';
import { Q4_0_GEMV } from './gemv-q4-0.js';
import { Q4_K_GEMV } from './gemv-q4-k.js';
import { Q5_0_GEMV } from './gemv-q5-0.js';
import { Q5_K_GEMV } from './gemv-q5-k.js';
import { Q6_K_GEMV } from './gemv-q6-k.js';
import { Q8_0_GEMV } from './gemv-q8-0.js';
import { buildGemvQ4_KQ8_1 } from './gemv-q4-k-q8-1.js';
import { buildGemvQ6_KQ8_1 } from './gemv-q6-k-q8-1.js';
import { buildGemvQ4_0Q8_1, buildGemvQ5_0Q8_1, buildGemvQ8_0Q8_1 } from './gemv-q8-1-dp4a.js';
import type { SmTarget } from '../ptx/kernel.js';

/** Every GEMV format, by ggml type. */
export const GEMV_FORMATS: ReadonlyMap<GGMLType, GemvFormat> = new Map(
  [Q8_0_GEMV, Q4_0_GEMV, Q5_0_GEMV, Q4_K_GEMV, Q5_K_GEMV, Q6_K_GEMV].map((f) => [f.type, f]),
);

/** Thrown for a weight type that has no GEMV kernel. */
export class UnsupportedGemvTypeError extends Error {
  override name = 'UnsupportedGemvTypeError';
}

/** The GEMV format of `type`; throws {@link UnsupportedGemvTypeError} naming the supported ones. */
export function gemvFormatFor(type: GGMLType): GemvFormat {
  const f = GEMV_FORMATS.get(type);
  if (!f) {
    const names = [...GEMV_FORMATS.keys()].map((t) => dtypeInfo(t).name).join(', ');
    throw new UnsupportedGemvTypeError(`no GEMV kernel for ${dtypeInfo(type).name} weights: supported are ${names} (fall back to the CPU backend)`);
  }
  return f;
}

/** The GEMV kernel for weights of `type` (see buildGemv). */
export function buildGemvFor(type: GGMLType, opts: GemvBuildOptions): Kernel {
  return buildGemv(gemvFormatFor(type), opts);
}

/**
 * The dp4a (Q8_1-activation) decode GEMVs by weight type: Q8_0, Q4_0, Q5_0, Q4_K, Q6_K (all the
 * types of Q4_0, Q8_0 and Q4_K_M files). Parameters w, xq, y, n_rows, k; 2 rows per warp.
 */
export const GEMV_DP4A_BUILDERS: ReadonlyMap<GGMLType, (o: { sm: SmTarget; batch?: number }) => Kernel> = new Map([
  [Q8_0_GEMV.type, buildGemvQ8_0Q8_1],
  [Q4_0_GEMV.type, buildGemvQ4_0Q8_1],
  [Q5_0_GEMV.type, buildGemvQ5_0Q8_1],
  [Q4_K_GEMV.type, buildGemvQ4_KQ8_1],
  [Q6_K_GEMV.type, buildGemvQ6_KQ8_1],
]);

/** The dp4a GEMV for weights of `type`; throws {@link UnsupportedGemvTypeError} for others (use the f32 kernels). */
export function buildGemvDp4aFor(type: GGMLType, opts: { sm: SmTarget; batch?: number }): Kernel {
  const b = GEMV_DP4A_BUILDERS.get(type);
  if (!b) {
    const names = [...GEMV_DP4A_BUILDERS.keys()].map((t) => dtypeInfo(t).name).join(', ');
    throw new UnsupportedGemvTypeError(`no dp4a GEMV for ${dtypeInfo(type).name} weights: supported are ${names} (use buildGemvFor, f32 activations)`);
  }
  return b(opts);
}
