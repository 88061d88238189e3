/**
 * Matmul throughput, native vs the TypeScript reference, in one run: qwen2.5-0.5b's FFN up
 * projection (nIn 896, nOut 4864; K-quants, whose 256-value blocks do not divide 896, use the
 * FFN down projection's nIn 4864 and nOut 896) per weight type, nTok 1 (decode) and a prefill
 * batch, 1 and 2 threads, every kernel set this CPU supports. Prints GMAC/s (multiply-adds of
 * the logical matmul per second), tokens per second of the batch, the weight bandwidth and
 * native/ref ratios; compare kernel sets only within one run.
 *
 *   cd packages/trueno && npx tsx native/bench/matmul-bench.ts [--json] [--types q8_0,q4_0]
 *     [--ntok 1,32] [--threads 1,2] [--isas avx512,avx2] [--no-ref]
 *
 * Defaults: q8_0,q4_0; nTok 1,32; threads 1,2; every ISA; with the reference (slow for large
 * batches: --no-ref skips it).
 */
import { randomF32 } from '../../src/backend/test-support.js';
import { refBackend } from '../../src/backend/ref-backend.js';
import { GGMLType, dtypeInfo } from '../../src/dtype.js';
import { quantize } from '../../src/quant/index.js';
import { Tensor } from '../../src/tensor.js';
import { loadNative } from '../../src/native/load-native.js';

const N_IN = 896;
const N_OUT = 4864;

/** The value of `--name a,b,c` split at commas, or `def`. */
function listArg(name: string, def: string[]): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1].split(',') : def;
}

function typeByName(name: string): GGMLType {
  for (const t of Object.values(GGMLType)) {
    if (typeof t === 'number' && dtypeInfo(t)?.name.toLowerCase() === name.toLowerCase()) return t;
  }
  throw new Error(`--types: unknown ggml type ${name} (use names like q4_K, q8_0, bf16)`);
}

const TYPES = listArg('types', ['q8_0', 'q4_0']).map(typeByName);
const N_TOKS = listArg('ntok', ['1', '32']).map(Number);
const THREADS = listArg('threads', ['1', '2']).map(Number);
const WITH_REF = !process.argv.includes('--no-ref');

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
const isas = listArg('isas', [...info.isas]).filter((isa) => info.isas.includes(isa));
const rows: Record<string, unknown>[] = [];
for (const type of TYPES) {
  const kQuant = dtypeInfo(type).blockSize === 256;
  const [nIn, nOut] = kQuant ? [N_OUT, N_IN] : [N_IN, N_OUT];
  const w = Tensor.view(kQuant ? 'ffn_down' : 'ffn_up', type, [nIn, nOut], quantize(type, randomF32(1, nIn * nOut)));
  for (const nTok of N_TOKS) {
    const x = randomF32(2, nIn * nTok);
    const out = new Float32Array(nOut * nTok);
    const macs = nIn * nOut * nTok;
    const ref = WITH_REF ? time(() => refBackend.matmul(w, x, nTok, out), nTok === 1 ? 0.5 : 1) : NaN;
    for (const isa of isas) {
      addon.setIsa(isa);
      for (const threads of THREADS) {
        addon.setThreads(threads);
        const t = time(() => addon.matmul(w.data, type, nIn, nOut, x, nTok, out));
        rows.push({
          type: dtypeInfo(type).name,
          shape: `${nIn}x${nOut}`,
          nTok,
          isa,
          threads,
          refGmacs: WITH_REF ? +(macs / ref / 1e9).toFixed(3) : '-',
          nativeGmacs: +(macs / t / 1e9).toFixed(2),
          nativeUs: +(t * 1e6).toFixed(1),
          tokPerS: Math.round(nTok / t),
          weightGBs: +(w.data.byteLength / t / 1e9).toFixed(1),
          ratio: WITH_REF ? +(ref / t).toFixed(1) : '-',
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
  console.log(`matmul (nIn x nOut), ref = TS reference (1 thread); best ISA ${info.isa}, ${info.physicalCores} physical cores, ${info.compiler}`);
  console.table(rows);
}
