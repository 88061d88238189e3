/**
 * The conformance table itself under test: every kernel of src/kernels has an entry, every emu
 * shape passes in the emulator, the comparison catches wrong values, the CUDA runner's plumbing
 * (allocation, pointer tables, argument order, launches, timing with streams and graphs) works
 * against the fake libcuda, and on a machine with a GPU the device shapes run on it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildAdd } from '../kernels/add.js';
import { cleanupFakes, fakeLibcuda, fakeUnavailable, readFakeLog } from '../../test/fake-libcuda.js';
import { loadCudaDriver } from '../driver/load-cuda-driver.js';
import { loadNativeCudaAddon } from '../driver/native-binding.js';
import { type ConformanceEntry, seeded } from './conformance-case.js';
import { loadConformanceTable, unloadableEntry } from './conformance-table.js';
import { compareOutputs, formatConformanceReport, runKernelConformance } from './kernel-conformance.js';
import { runCaseEmulated } from './run-emulated.js';
import { smTargetFor } from './run-cuda.js';

const sm = 'sm_80' as const;
// Loaded here (not imported statically) so that a kernel module failing at import fails the coverage test, not the whole file.
const kernels = await import('../kernels/index.js').catch((e: unknown) => e as Error);
const TABLE = await loadConformanceTable();
/** PTX entry names each builder exported by kernels/index.ts produces (a new builder must be added here and to the table). */
const k = kernels as typeof import('../kernels/index.js');
const BUILDERS: Record<string, () => string[]> = {
  buildGemv: () => [...k.GEMV_FORMATS.values()].flatMap((f) => [1, 2, 4].map((rowsPerWarp) => k.buildGemv(f, { sm, rowsPerWarp }).name)),
  buildGemvFor: () => [...k.GEMV_FORMATS.keys()].map((t) => k.buildGemvFor(t, { sm }).name),
  buildGemvQ8_0: () => [k.buildGemvQ8_0({ sm }).name],
  buildGemvQ4_0: () => [k.buildGemvQ4_0({ sm }).name],
  buildGemvQ5_0: () => [k.buildGemvQ5_0({ sm }).name],
  buildGemvQ4_K: () => [k.buildGemvQ4_K({ sm }).name],
  buildGemvQ5_K: () => [k.buildGemvQ5_K({ sm }).name],
  buildGemvQ6_K: () => [k.buildGemvQ6_K({ sm }).name],
  buildRmsNorm: () => [k.buildRmsNorm({ sm }).name],
  buildRope: () => [k.buildRope({ sm, mode: 'normal' }).name, k.buildRope({ sm, mode: 'neox' }).name],
  buildAdd: () => [k.buildAdd({ sm }).name],
  buildAddBias: () => [k.buildAddBias({ sm }).name],
  buildSwiglu: () => [k.buildSwiglu({ sm }).name],
  buildArgmaxPartial: () => [k.buildArgmaxPartial({ sm }).name],
  buildArgmaxReduce: () => [k.buildArgmaxReduce({ sm }).name],
  buildAttentionDecode: () => [64, 128].map((d) => k.buildAttentionDecode({ sm, headDim: d as 64 | 128 }).name),
  buildAttentionDecodePartial: () => [64, 128].map((d) => k.buildAttentionDecodePartial({ sm, headDim: d as 64 | 128 }).name),
  buildAttentionDecodeReduce: () => [64, 128].map((d) => k.buildAttentionDecodeReduce({ sm, headDim: d as 64 | 128 }).name),
  buildAttentionPrefill: () => [64, 128].map((d) => k.buildAttentionPrefill({ sm, headDim: d as 64 | 128 }).name),
  buildKvStore: () => [k.buildKvStore({ sm }).name],
  buildQuantizeQ8_1: () => [k.buildQuantizeQ8_1({ sm }).name],
  buildGemvDp4aFor: () => [...k.GEMV_DP4A_BUILDERS.keys()].map((t) => k.buildGemvDp4aFor(t, { sm }).name),
  buildGemvQ8_0Q8_1: () => [k.buildGemvQ8_0Q8_1({ sm }).name],
  buildGemvQ4_0Q8_1: () => [k.buildGemvQ4_0Q8_1({ sm }).name],
  buildGemvQ5_0Q8_1: () => [k.buildGemvQ5_0Q8_1({ sm }).name],
  buildGemvQ4_KQ8_1: () => [k.buildGemvQ4_KQ8_1({ sm }).name],
  buildGemvQ6_KQ8_1: () => [k.buildGemvQ6_KQ8_1({ sm }).name],
  // The building block of the three 32-value dp4a GEMVs above (no kernel of its own).
  buildDp4a32: () => [],
  buildGemmMma: () => [...k.GEMM_FORMATS.keys()].flatMap((type) => [64, 128].map((tileM) => k.buildGemmMma({ sm, type, tileM: tileM as 64 | 128 }).name)),
  buildGemmSplitKReduce: () => [k.buildGemmSplitKReduce({ sm }).name],
};

/** The kernel names the table launches at emu scale. */
function launchedNames(): Set<string> {
  const names = new Set<string>();
  for (const e of TABLE) {
    for (const f of e.cases('emu')) {
      for (const l of f.make({ sm, kernel: (_k, b) => b() }).launches) names.add(l.kernel.name);
    }
  }
  return names;
}

describe('kernel conformance table', () => {
  it('covers every kernel builder of src/kernels, and every entry has emu and device shapes', () => {
    if (kernels instanceof Error) throw new Error(`src/kernels/index.ts does not load: ${kernels.message}`);
    expect(TABLE.filter((e) => e.name.endsWith('(not loaded)')).map((e) => e.name)).toEqual([]);
    const exported = Object.keys(kernels).filter((n) => /^build[A-Z]/.test(n));
    expect(exported.filter((b) => !(b in BUILDERS)), 'builders without a conformance entry (add them to the table and to BUILDERS)').toEqual([]);
    const launched = launchedNames();
    const built = Object.values(BUILDERS).flatMap((f) => f());
    expect(built.filter((n) => !launched.has(n)), 'kernels the table never launches').toEqual([]);
    for (const e of TABLE) {
      expect(e.cases('emu').length, e.name).toBeGreaterThan(0);
      expect(e.cases('device').length, e.name).toBeGreaterThan(0);
    }
    expect(new Set(TABLE.map((e) => e.name)).size).toBe(TABLE.length);
  });

  it('every emu shape of every entry is within its bound in the emulator', () => {
    const rep = runKernelConformance('emu', TABLE);
    console.log(formatConformanceReport(rep));
    expect(rep.rows.filter((r) => !r.ok).map((r) => `${r.name} ${r.shape}: ${r.error ?? r.nmse}`)).toEqual([]);
    expect(rep.rows.length).toBe(TABLE.reduce((s, e) => s + e.cases('emu').length, 0));
    expect(rep.ok).toBe(true);
  });

  it('the comparison catches one wrong f32 value, one wrong index, and NaN', () => {
    const gemv = TABLE.find((e) => e.name === 'gemv_q8_0')!;
    const c = gemv.cases('emu')[1].make({ sm, kernel: (_k, b) => b() });
    const out = runCaseEmulated(c).outputs;
    expect(compareOutputs(c, out).nmse).toBeLessThan(gemv.bound);
    const y = new Float32Array(out[0].slice().buffer);
    y[5] *= 1.001;
    expect(compareOutputs(c, [new Uint8Array(y.buffer)]).nmse).toBeGreaterThan(gemv.bound);
    y[5] = NaN;
    expect(compareOutputs(c, [new Uint8Array(y.buffer)]).nmse).toBeNaN();

    const argmax = TABLE.find((e) => e.name.startsWith('argmax'))!;
    const a = argmax.cases('emu')[1].make({ sm, kernel: (_k, b) => b() });
    const idx = new Uint32Array(runCaseEmulated(a).outputs[0].slice().buffer);
    expect(compareOutputs(a, [new Uint8Array(idx.buffer)]).mismatches).toBe(0);
    idx[1] += 1;
    expect(compareOutputs(a, [new Uint8Array(idx.buffer)]).mismatches).toBe(1);
  });

  it('a case that cannot run, or a table module that cannot load, is a failing row with the reason, not a throw', () => {
    const broken: ConformanceEntry = {
      name: 'broken',
      bound: 0,
      boundName: 'exact',
      cases: () => [
        {
          shape: 'n=4',
          make: () => ({
            buffers: [{ name: 'a', init: seeded(4, 1) }],
            launches: [{ kernel: buildAdd({ sm }), grid: [1, 1, 1], block: [32, 1, 1], args: { a: { buf: 'a' }, b: { buf: 'nope' }, out: { buf: 'a' }, n: 4 } }],
            outputs: [{ buf: 'a', type: 'f32', ref: new Float32Array(4) }],
            cost: { bytes: 48, flops: 4 },
          }),
        },
      ],
    };
    const rep = runKernelConformance('emu', [broken, unloadableEntry('table-x', new RangeError('bad block size'))]);
    expect(rep.ok).toBe(false);
    expect(rep.rows[0].error).toMatch(/add_f32: parameter 'b' names buffer 'nope'/);
    expect(rep.rows[1]).toMatchObject({ name: 'table-x (not loaded)', ok: false });
    expect(rep.rows[1].error).toBe('device-check/table-x.ts failed to load, so its kernels are not checked: RangeError: bad block size');
  });

  it('picks the newest PTX target a device runs, and refuses pre-Ampere devices', () => {
    expect(smTargetFor({ major: 9, minor: 0 })).toBe('sm_90');
    expect(smTargetFor({ major: 10, minor: 0 })).toBe('sm_90');
    expect(smTargetFor({ major: 8, minor: 9 })).toBe('sm_89');
    expect(smTargetFor({ major: 8, minor: 6 })).toBe('sm_80');
    expect(() => smTargetFor({ major: 7, minor: 5 })).toThrow(/compute capability 8\.0/);
  });
});

const addon = loadNativeCudaAddon();
const fakeSkip = addon.addon ? fakeUnavailable() : `addon absent: ${addon.reason}`;
if (fakeSkip) console.warn(`conformance runner on the fake libcuda skipped: ${fakeSkip}`);

describe.skipIf(!!fakeSkip)('CUDA runner on the fake libcuda (which executes no kernels)', () => {
  afterAll(() => cleanupFakes());

  it('allocates, uploads, launches every kernel of the table in order with its geometry, and reports wrong values', () => {
    const fake = fakeLibcuda();
    process.env.FAKE_CUDA_LOG = fake.log;
    const r = loadCudaDriver({ libraryPath: fake.path });
    if (!r.driver) throw new Error(r.reason);
    const ctx = r.driver.createContext();
    try {
      const rep = runKernelConformance(ctx, TABLE, { scale: 'emu', timing: { samples: 0 } });
      expect(rep.sm).toBe('sm_89'); // the fake is an sm_89 device
      expect(rep.rows.filter((x) => x.error).map((x) => `${x.name}: ${x.error}`)).toEqual([]);
      // The fake runs no kernel, so no output can match its reference.
      expect(rep.rows.every((x) => !x.ok)).toBe(true);
      const want = TABLE.flatMap((e) =>
        e.cases('emu').flatMap((f) => f.make({ sm: 'sm_89', kernel: (_k, b) => b() }).launches.map((l) => `${l.kernel.name} [${l.grid.join(',')}] [${l.block.join(',')}]`)),
      );
      const got = readFakeLog(fake.log)
        .filter((x) => x.op === 'launch')
        .map((x) => `${x.fn} [${x.grid!.join(',')}] [${x.block!.join(',')}]`);
      expect(got).toEqual(want);
      expect(ctx.resources.buffers).toBe(0); // every case freed its buffers
    } finally {
      ctx.dispose();
      r.driver.dispose();
      delete process.env.FAKE_CUDA_LOG;
    }
  });

  it('times a case through streams and a captured graph, rotating buffer instances', () => {
    const fake = fakeLibcuda();
    const r = loadCudaDriver({ libraryPath: fake.path });
    if (!r.driver) throw new Error(r.reason);
    const ctx = r.driver.createContext();
    try {
      const rep = runKernelConformance(ctx, TABLE, { scale: 'emu', only: /^add_f32$/, timing: { samples: 3, minSampleMicros: 200, coldBytes: 3 * 4 * 1023 * 3 } });
      const row = rep.rows[1];
      expect(row.copies).toBe(3);
      for (const v of [row.us, row.usStream, row.usGraph, row.gbps, row.predictedUs, row.roofPct]) expect(v).toBeGreaterThan(0);
      expect(row.us).toBe(row.usGraph);
      expect(formatConformanceReport(rep)).toMatch(/FAIL add_f32 +n=1023 .* us .* GB\/s/);
    } finally {
      ctx.dispose();
      r.driver.dispose();
    }
  });
});

const real = loadCudaDriver();
if (!real.driver) console.log(`kernel conformance on CUDA skipped: ${real.reason}`);

describe.skipIf(!real.driver)('kernel conformance on the CUDA device', () => {
  it('every device shape of every entry is within its bound on the GPU', () => {
    const ctx = real.driver!.createContext();
    try {
      const rep = runKernelConformance(ctx, TABLE, { timing: { samples: 3 } });
      console.log(formatConformanceReport(rep));
      expect(rep.rows.filter((r) => !r.ok).map((r) => `${r.name} ${r.shape}: ${r.error ?? r.nmse}`)).toEqual([]);
    } finally {
      ctx.dispose();
    }
  }, 600_000);
});
