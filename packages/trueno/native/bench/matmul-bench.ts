/**
 * Matmul throughput, native vs the TypeScript reference, in one run: qwen2.5-0.5b's FFN up
 * projection (nIn 896, nOut 4864) in Q8_0 and Q4_0, nTok 1 (decode) and 32 (prefill), 1 and 2
 * threads, every kernel set this CPU supports. Prints GMAC/s (multiply-adds of the logical matmul
 * per second), the weight bandwidth of the decode case and native/ref ratios.
 *
 *   cd packages/trueno && npx tsx native/bench/matmul-bench.ts [--json]
 */
import { randomF32 } from '../../src/backend/test-support.js';
import { refBackend } from '../../src/backend/ref-backend.js';
import { GGMLType, dtypeInfo } from '../../src/dtype.js';
import { quantize } from '../../src/quant/index.js';
import { Tensor } from '../../src/tensor.js';
import { loadNative } from '../../src/native/load-native.js';

const N_IN = 896;
const N_OUT = 4864;

/** Median seconds of one call, repeating until ~minSec of samples. */
function time(fn: () => void, minSec = 0.4): number {
  fn();
  const samples: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < minSec * 1000 || samples.length < 3) {
    const s = performance.now();
    fn();
    samples.push((performance.now() - s) / 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const native = loadNative();
if (!native.addon) {
  console.log(`native addon unavailable: ${native.reason}`);
  process.exit(0);
}
const addon = native.addon;
const info = addon.info();
const rows: Record<string, unknown>[] = [];
for (const type of [GGMLType.Q8_0, GGMLType.Q4_0]) {
  const w = Tensor.view('ffn_up', type, [N_IN, N_OUT], quantize(type, randomF32(1, N_IN * N_OUT)));
  for (const nTok of [1, 32]) {
    const x = randomF32(2, N_IN * nTok);
    const out = new Float32Array(N_OUT * nTok);
    const macs = N_IN * N_OUT * nTok;
    const ref = time(() => refBackend.matmul(w, x, nTok, out), nTok === 1 ? 0.5 : 1);
    for (const isa of info.isas) {
      addon.setIsa(isa);
      for (const threads of [1, 2]) {
        addon.setThreads(threads);
        const t = time(() => addon.matmul(w.data, type, N_IN, N_OUT, x, nTok, out));
        rows.push({
          type: dtypeInfo(type).name,
          nTok,
          isa,
          threads,
          refGmacs: +(macs / ref / 1e9).toFixed(3),
          nativeGmacs: +(macs / t / 1e9).toFixed(2),
          nativeUs: +(t * 1e6).toFixed(1),
          weightGBs: +(w.data.byteLength / t / 1e9).toFixed(1),
          ratio: +(ref / t).toFixed(1),
        });
      }
    }
  }
}
addon.setIsa(info.isa);
addon.setThreads(info.physicalCores);
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ cpuIsa: info.isa, physicalCores: info.physicalCores, compiler: info.compiler, rows }, null, 2));
} else {
  console.log(`matmul ${N_IN}x${N_OUT}, ref = TS reference (1 thread); best ISA ${info.isa}, ${info.physicalCores} physical cores, ${info.compiler}`);
  console.table(rows);
}
