import { describe, expect, it } from 'vitest';
import { describeGemvConformance } from './gemv-conformance.js';
import { Q8_0_GEMV, buildGemvQ8_0, gemvQ8_0Cost, gemvQ8_0Launch } from './gemv-q8-0.js';
import { H100_BANDWIDTH_GBS, predictedMicros } from './kernel-model.js';

describeGemvConformance(
  Q8_0_GEMV,
  buildGemvQ8_0,
  [
    [1, 32],
    [3, 352],
    [31, 96],
    [33, 352],
    [127, 64],
    [1023, 352],
  ],
  [2, 16],
);

describe('gemv q8_0 model', () => {
  it('launches 4 warps of 2 rows per block and counts 34 bytes per 32 weights', () => {
    expect(gemvQ8_0Launch(1023)).toEqual({ grid: [128, 1, 1], block: [128, 1, 1] });
    expect(gemvQ8_0Launch(1023, 1)).toEqual({ grid: [256, 1, 1], block: [128, 1, 1] });
    // Qwen2.5-0.5B FFN down: 896 rows of K = 4864.
    const c = gemvQ8_0Cost(896, 4864);
    expect(c.bytes).toBe(896 * 152 * 34 + 4864 * 4 + 896 * 4);
    expect(c.flops).toBe(2 * 896 * 4864);
    expect(predictedMicros(c, H100_BANDWIDTH_GBS)).toBeCloseTo((c.bytes / 3.35e12) * 1e6, 6);
    // x is re-read from cache once per 2 rows: 448 row pairs x 4864 x 4 bytes.
    expect(c.xCacheBytes).toBe(448 * 4864 * 4);
    expect(gemvQ8_0Cost(896, 4864, 1, 1).xCacheBytes).toBe(2 * c.xCacheBytes);
  });
});
