import { GGMLType } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { GEMV_DP4A_BUILDERS, GEMV_FORMATS, UnsupportedGemvTypeError, buildGemvDp4aFor, buildGemvFor, gemvFormatFor } from './gemv-formats.js';
import { H100_BANDWIDTH_GBS, predictedMicros } from './kernel-model.js';
import { gemvCost } from './gemv-common.js';

describe('gemv formats', () => {
  it('covers the types of Q8_0, Q4_0 and Q4_K_M files and names the rest as unsupported', () => {
    expect([...GEMV_FORMATS.keys()].sort()).toEqual([GGMLType.Q4_0, GGMLType.Q5_0, GGMLType.Q8_0, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K].sort());
    for (const f of GEMV_FORMATS.values()) {
      const probe = f.qk / f.lanesPerBlock;
      expect([8, 16]).toContain(probe);
      expect(gemvFormatFor(f.type)).toBe(f);
    }
    expect(buildGemvFor(GGMLType.Q6_K, { sm: 'sm_90', batch: 4 }).name).toBe('gemv_q6_k_b4');
    expect(buildGemvFor(GGMLType.Q6_K, { sm: 'sm_90', rowsPerWarp: 4 }).name).toBe('gemv_q6_k_r4');
    expect(() => gemvFormatFor(GGMLType.Q2_K)).toThrow(UnsupportedGemvTypeError);
    expect([...GEMV_DP4A_BUILDERS.keys()].sort()).toEqual([GGMLType.Q4_0, GGMLType.Q5_0, GGMLType.Q8_0, GGMLType.Q4_K, GGMLType.Q6_K].sort());
    expect(buildGemvDp4aFor(GGMLType.Q5_0, { sm: 'sm_89' }).name).toBe('gemv_q5_0_q8_1');
    expect(() => buildGemvDp4aFor(GGMLType.Q5_K, { sm: 'sm_89' })).toThrow(/no dp4a GEMV for q5_K weights/);
    expect(() => gemvFormatFor(GGMLType.Q2_K)).toThrow(/no GEMV kernel for q2_K weights: supported are/);
  });

  it('predicts memory-bound time from bytes: Q4_K reads 144/256 bytes per weight', () => {
    // Qwen2.5-0.5B ffn_down (Q4_K in a Q4_K_M file): 896 rows of K = 4864.
    const c = gemvCost(gemvFormatFor(GGMLType.Q4_K), 896, 4864);
    expect(c.bytes).toBe((896 * 4864 * 144) / 256 + 4864 * 4 + 896 * 4);
    expect(predictedMicros(c, H100_BANDWIDTH_GBS)).toBeCloseTo((c.bytes / 3350e9) * 1e6, 9);
    expect(predictedMicros(gemvCost(gemvFormatFor(GGMLType.Q4_K), 896, 4864, 16))).toBeGreaterThan(predictedMicros(c));
  });
});
