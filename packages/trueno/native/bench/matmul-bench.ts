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
 *
 * With --amx: the AMX int8 path against the avx512 VNNI kernels it replaces, as a ratio measured
 * in one run (alternating rounds), for qwen2.5-0.5b's FFN shapes in both directions and
 * Q8_0/Q4_0/Q5_0 weights. Two measures: wall GMAC/s of the fastest call, and GMAC per CPU-second
 * of the process (idle pool threads set not to spin). On a machine shared with other work the
 * second is the fairer ratio: a long call is always preempted somewhere, a short one sometimes
 * not, so the fastest-call ratio favours whichever kernel is quicker. AMX is forced for every token count
 * (TRUENO_AMX_MIN_TOKENS=1), so a low --ntok list shows where the threshold belongs.
 *
 *   npx tsx native/bench/matmul-bench.ts --amx [--threads 2] [--ntok 16,32,64,128,512]
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
if (process.argv.includes('--amx')) {
  amxComparison();
  process.exit(0);
}
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

/** Value of `--name v` on the command line, or undefined. */
function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Seconds of the fastest of the calls made during ~minSec (at least 3). */
function fastest(fn: () => void, minSec: number): number {
  fn();
  let best = Infinity;
  const t0 = performance.now();
  for (let n = 0; performance.now() - t0 < minSec * 1000 || n < 3; n++) {
    const s = performance.now();
    fn();
    best = Math.min(best, (performance.now() - s) / 1000);
  }
  return best;
}

/** Process CPU seconds per call over ~minSec of calls (at least 3). */
function cpuPerCall(fn: () => void, minSec: number): number {
  fn();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  for (; performance.now() - t0 < minSec * 1000 || n < 3; n++) fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6 / n;
}

/** AMX on vs off (the avx512 VNNI kernels), same shapes, same process: see the header. */
function amxComparison(): void {
  if (!info.isas.includes('avx512')) {
    console.log(`no avx512 kernel set on this CPU (${info.isas.join(', ')}): nothing to compare`);
    return;
  }
  const threads = Number(argValue('--threads') ?? 2);
  const nToks = (argValue('--ntok') ?? '16,32,64,128,512').split(',').map(Number);
  const setAmx = (on: boolean): boolean => {
    if (on) delete process.env.TRUENO_AMX;
    else process.env.TRUENO_AMX = '0';
    process.env.TRUENO_AMX_MIN_TOKENS = '1';
    addon.setIsa('avx512');
    return addon.info().amx;
  };
  if (!setAmx(true)) {
    console.log(`AMX unavailable: ${addon.info().amxReason}`);
    return;
  }
  addon.setThreads(threads);
  const table: Record<string, unknown>[] = [];
  for (const [nIn, nOut] of [
    [896, 4864],
    [4864, 896],
  ]) {
    for (const type of [GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q5_0]) {
      const w = quantize(type, randomF32(3, nIn * nOut));
      for (const nTok of nToks) {
        const x = randomF32(4, nIn * nTok);
        const out = new Float32Array(nOut * nTok);
        const macs = nIn * nOut * nTok;
        const call = (): void => addon.matmul(w, type, nIn, nOut, x, nTok, out);
        let vnni = Infinity;
        let amx = Infinity;
        let vnniCpu = Infinity;
        let amxCpu = Infinity;
        for (let round = 0; round < 3; round++) {
          setAmx(false);
          vnni = Math.min(vnni, fastest(call, 0.1));
          addon.setSpinMicros(0);
          vnniCpu = Math.min(vnniCpu, cpuPerCall(call, 0.1));
          addon.setSpinMicros(1000);
          setAmx(true);
          amx = Math.min(amx, fastest(call, 0.1));
          addon.setSpinMicros(0);
          amxCpu = Math.min(amxCpu, cpuPerCall(call, 0.1));
          addon.setSpinMicros(1000);
        }
        table.push({
          type: dtypeInfo(type).name,
          nIn,
          nOut,
          nTok,
          threads,
          vnniGmacs: +(macs / vnni / 1e9).toFixed(1),
          amxGmacs: +(macs / amx / 1e9).toFixed(1),
          amxOverVnni: +(vnni / amx).toFixed(2),
          vnniGmacPerCpuS: +(macs / vnniCpu / 1e9).toFixed(1),
          amxGmacPerCpuS: +(macs / amxCpu / 1e9).toFixed(1),
          amxOverVnniCpu: +(vnniCpu / amxCpu).toFixed(2),
        });
      }
    }
  }
  delete process.env.TRUENO_AMX_MIN_TOKENS;
  addon.setIsa(info.isa);
  addon.setThreads(info.physicalCores);
  if (process.argv.includes('--json')) console.log(JSON.stringify({ compiler: info.compiler, rows: table }, null, 2));
  else {
    console.log(`AMX vs avx512 VNNI, ${threads} threads, ${info.compiler}`);
    console.table(table);
  }
}
