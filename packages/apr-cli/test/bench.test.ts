import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { generateModel } from '@sovereign/tools';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaCppEngine, type LlamaCppRate, joinResults } from '../src/bench/bench-result.js';
import { type TimedEngine, planTests, runBench } from '../src/bench/bench-runner.js';
import { markdownTable } from '../src/bench/bench-table.js';
import { otherCpuLoad, parseSnapshot } from '../src/bench/cpu-contention.js';
import { parseCpuinfo } from '../src/bench/cpu-info.js';
import { parseLlamaBenchJson } from '../src/bench/llama-bench-native.js';
import { NodeLlamaCppBench } from '../src/bench/llama-cpp-bench.js';
import { roofline } from '../src/bench/roofline.js';
import { cv, mean, randomTokens, stddev, summarize } from '../src/bench/stats.js';
import { registerBench } from '../src/commands/bench.js';
import { apr } from './cli-harness.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

/**
 * `apr bench …` through the command's own registration (so these tests do not depend on main.ts,
 * which the lead wires); `is registered in apr` below checks main.ts separately.
 */
async function bench(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const program = new Command().exitOverride();
  registerBench(program, { stdout, stderr });
  await program.parseAsync(['bench', ...argv], { from: 'user' });
  return { stdout: stdout.text, stderr: stderr.text };
}

const dir = mkdtempSync(join(tmpdir(), 'apr-bench-'));
const tiny = join(dir, 'tiny-q8_0.gguf');
beforeAll(async () => {
  await generateModel({ preset: 'tiny', type: 'q8_0', out: tiny, threads: 1 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAST = ['-p', '8', '-n', '4', '-r', '2', '--threads', '1', '--probe-mib', '16', '--json'];

describe('stats', () => {
  it('mean, sample stddev (n − 1) and CV', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(xs)).toBe(5);
    expect(stddev(xs)).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(cv(xs)).toBeCloseTo(Math.sqrt(32 / 7) / 5, 12);
    expect(stddev([3])).toBe(0);
    expect(cv([0, 0])).toBe(0);
    expect(Number.isNaN(mean([]))).toBe(true);
    expect(summarize([1, 3])).toMatchObject({ n: 2, mean: 2, min: 1, max: 3, stddev: Math.SQRT2 });
  });

  it('random token ids are seeded and in range', () => {
    const a = randomTokens(1000, 50, 7);
    expect(randomTokens(1000, 50, 7)).toEqual(a);
    expect(randomTokens(1000, 50, 8)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(50);
  });
});

describe('bench protocol', () => {
  it('one discarded warm-up, then r reps of each test; rate = tokens / time', async () => {
    const calls: string[] = [];
    let ms = 100;
    const engine: TimedEngine = {
      name: 'fake',
      timePrompt: async (t) => (calls.push(`pp${t.length}`), (ms += 100)),
      timeGenerate: async (t) => (calls.push(`tg${t.length}`), 50),
    };
    const r = await runBench(engine, { nPrompt: 16, nGen: 4, reps: 2, vocab: 10, seed: 1 });
    expect(calls).toEqual(['pp16', 'pp16', 'pp16', 'tg4', 'tg4', 'tg4']);
    expect(r.map((x) => x.test)).toEqual(['pp16', 'tg4']);
    expect(r[0].samples).toEqual([(16 * 1000) / 300, (16 * 1000) / 400]); // warm-up (200 ms) dropped
    expect(r[1].summary.mean).toBe(80);
    expect(planTests({ nPrompt: 0, nGen: 3 })).toEqual([{ test: 'tg3', kind: 'tg', nTokens: 3 }]);
  });

  it('parses llama-bench -o json', () => {
    const out = `[
      {"build_commit": "abc1234", "build_number": 6000, "cpu_info": "AMD EPYC", "n_prompt": 512, "n_gen": 0, "avg_ts": 153.1, "stddev_ts": 0.5, "samples_ts": [152.6, 153.6]},
      {"build_commit": "abc1234", "build_number": 6000, "n_prompt": 0, "n_gen": 128, "avg_ts": 34.2, "stddev_ts": 0.1}
    ]`;
    const run = parseLlamaBenchJson(`log line\n${out}\n`);
    expect(run.results.map((r) => [r.test, r.tokensPerSec, r.stddev])).toEqual([
      ['pp512', 153.1, 0.5],
      ['tg128', 34.2, 0.1],
    ]);
    expect(run.description).toContain('build 6000 (abc1234)');
    expect(() => parseLlamaBenchJson('error: no model')).toThrow(/no JSON/);
  });

  it('prefers native llama-bench for the ratio and keeps every engine', () => {
    const ours = [{ test: 'tg8', kind: 'tg' as const, nTokens: 8, samples: [10, 10], summary: summarize([10, 10]) }];
    const rows = joinResults(
      ours,
      new Map<LlamaCppEngine, Map<string, LlamaCppRate>>([
        ['node-llama-cpp', new Map([['tg8', { engine: 'node-llama-cpp', tokensPerSec: 40, stddev: 1 }]])],
        ['llama-bench', new Map([['tg8', { engine: 'llama-bench', tokensPerSec: 20, stddev: 1 }]])],
      ]),
    );
    expect(rows[0].llamaCpp).toEqual({ engine: 'llama-bench', tokensPerSec: 20, stddev: 1 });
    expect(rows[0].ratio).toBe(0.5);
    expect(rows[0].llamaCppAll?.map((x) => x.ratio)).toEqual([0.5, 0.25]);
    expect(joinResults(ours)[0]).not.toHaveProperty('llamaCpp');
  });

  it('roofline: ceiling = bandwidth / bytes per token', () => {
    expect(roofline(500e6, 25, 40)).toEqual({ bytesPerToken: 500e6, bandwidthGBs: 25, ceilingTokensPerSec: 50, fractionOfCeiling: 0.8 });
    expect(roofline(1e9, 10).fractionOfCeiling).toBeNull();
  });

  it('cpuinfo: physical cores and ISA flags', () => {
    const block = (p: number, core: number) => `processor\t: ${p}\nmodel name\t: Test CPU\nphysical id\t: 0\ncore id\t\t: ${core}\nflags\t\t: fpu avx2 fma f16c avx512f avx512_vnni\n`;
    const info = parseCpuinfo([block(0, 0), block(1, 0), block(2, 1), block(3, 1)].join('\n'));
    expect(info).toMatchObject({ cpu: 'Test CPU', physicalCores: 2, logical: 4 });
    expect(info.isa).toEqual(['f16c', 'fma', 'avx2', 'avx512f', 'avx512_vnni']);
  });

  it('other processes\' CPU use = busy ticks − own ticks, per elapsed CPU tick', () => {
    const stat = (user: number, idle: number) => `cpu  ${user} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 1 0 0 1\ncpu1 1 0 0 1\n`;
    const self = (t: number) => `42 (node (x)) S 1 1 1 0 -1 0 0 0 0 0 ${t} 0 0 0 20 0 1 0`;
    const a = parseSnapshot(stat(1000, 1000), self(100));
    expect(a).toEqual({ busy: 1000, all: 2000, self: 100, cpus: 2 });
    // 100 ticks elapsed per CPU (200 over 2 CPUs), 150 busy of which 50 ours: 1 CPU's worth elsewhere.
    expect(otherCpuLoad(a, parseSnapshot(stat(1150, 1050), self(150)))).toBeCloseTo(1, 12);
    expect(otherCpuLoad(a, undefined)).toBeUndefined();
  });

  it('markdown table aligns columns', () => {
    expect(markdownTable(['a', 'bb'], [['xyz', '1']], [false, true])).toBe('| a   | bb |\n| --- | -: |\n| xyz |  1 |');
  });
});

describe('apr bench', () => {
  it('--json prints the documented shape with positive numbers', async () => {
    const { stdout, stderr } = await bench([tiny, ...FAST]);
    const r = JSON.parse(stdout);
    expect(r).toMatchObject({ model: tiny, threads: 1, backend: expect.any(String) });
    expect(r.results.map((x: { test: string }) => x.test)).toEqual(['pp8', 'tg4']);
    for (const x of r.results) {
      expect(x.tokensPerSec).toBeGreaterThan(0);
      expect(x.stddev).toBeGreaterThanOrEqual(0);
      expect(x.samples).toHaveLength(2);
      expect(x).not.toHaveProperty('llamaCpp');
    }
    const f = r.roofline;
    for (const k of ['bytesPerToken', 'bandwidthGBs', 'ceilingTokensPerSec', 'fractionOfCeiling']) expect(f[k]).toBeGreaterThan(0);
    expect(f.ceilingTokensPerSec).toBeCloseTo((f.bandwidthGBs * 1e9) / f.bytesPerToken, 6);
    // tiny: 2 layers of dim 64, tied 151936 × 64 output (Q8_0: 34 bytes per 32 values) dominates.
    expect(f.bytesPerToken).toBeGreaterThan((151936 * 64 * 34) / 32);
    expect(stderr).toMatch(/tg4 rep 2\/2/);
  });

  it('prints a llama-bench-like table and the roofline without --json', async () => {
    const { stdout } = await bench([tiny, ...FAST.filter((a) => a !== '--json')]);
    expect(stdout).toMatch(/\| model .*\| test \|\s+t\/s \|/);
    expect(stdout).toMatch(/\| qwen2 \d+M Q8_0 .*\|\s+pp8 \| [\d.]+ ± [\d.]+ \|/);
    expect(stdout).toMatch(/decode ceiling [\d.]+ tok\/s; tg4 at [\d.]+% of it/);
  });

  it('--cmp llama fills llamaCpp and ratio (node-llama-cpp)', async (ctx) => {
    const lib = await NodeLlamaCppBench.load();
    if (typeof lib === 'string') {
      console.warn(`skipping apr bench --cmp llama: ${lib}`);
      ctx.skip();
      return;
    }
    await lib.dispose();
    const { stdout } = await bench([tiny, ...FAST, '--cmp', 'llama']);
    const r = JSON.parse(stdout);
    for (const x of r.results) {
      expect(['llama-bench', 'node-llama-cpp']).toContain(x.llamaCpp.engine);
      expect(x.llamaCpp.tokensPerSec).toBeGreaterThan(0);
      expect(x.ratio).toBeCloseTo(x.tokensPerSec / x.llamaCpp.tokensPerSec, 9);
    }
    expect(r.llamaCppNotes.join('\n')).toMatch(/node-llama-cpp: llama\.cpp/);
  });

  it('--brick adds the per-brick profile, or says why it cannot', async () => {
    const { stdout } = await bench([tiny, ...FAST, '--brick']);
    const b = JSON.parse(stdout).brick;
    if (!b.available) {
      console.warn(`apr bench --brick: profile not available: ${b.reason}`);
      expect(b.reason).toMatch(/\w/);
      return;
    }
    expect(b.byKind.rows.length).toBeGreaterThan(0);
    expect(b.perBrick.rows.some((r: { name: string }) => r.name.startsWith('blk.1.'))).toBe(true);
    expect(b.byKind.bottleneck.ratio).toBeGreaterThan(0);
    expect(b.table).toMatch(/bottleneck: /);
  });

  it('rejects bad arguments', async () => {
    await expect(bench([tiny, '-p', '0', '-n', '0'])).rejects.toThrow(/nothing to run/);
    await expect(bench([tiny, '--cmp', 'vllm'])).rejects.toThrow(/only 'llama'/);
    await expect(bench([join(dir, 'missing.gguf')])).rejects.toThrow(/no such file/);
  });

  it('is registered in apr', async () => {
    const r = await apr(['bench', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--cmp <engine>/);
  });
});
