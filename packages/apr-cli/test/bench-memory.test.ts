import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { generateModel } from '@sovereign/tools';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryText } from '../src/bench/bench-table.js';
import { NodeLlamaCppBench } from '../src/bench/llama-cpp-bench.js';
import { type MemoryLoadSample, memoryReport, parseProbeOutput } from '../src/bench/memory-load.js';
import { registerBench } from '../src/commands/bench.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

async function bench(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const program = new Command().exitOverride();
  registerBench(program, { stdout, stderr });
  await program.parseAsync(['bench', ...argv], { from: 'user' });
  return { stdout: stdout.text, stderr: stderr.text };
}

const sample = (engine: string, loadMs: number, peakRssMiB: number): MemoryLoadSample => ({ engine, loadMs, peakRssMiB, baseRssMiB: 50, decodeMs: 2 });

describe('memory/load probe: parsing and printing', () => {
  it('parses the last APR_MEM_PROBE line; maxRSS KiB → MiB, bytes → MiB', () => {
    const line = (o: object) => `APR_MEM_PROBE ${JSON.stringify(o)}`;
    const out = [
      'some log',
      line({ engine: 'old', loadMs: 1, decodeMs: 1, baseRssBytes: 1, maxRssKiB: 1 }),
      line({ engine: 'apr/native', loadMs: 120.5, decodeMs: 3.25, baseRssBytes: 64 * 2 ** 20, maxRssKiB: 300 * 1024 }),
      '',
    ].join('\n');
    expect(parseProbeOutput(out)).toEqual({ engine: 'apr/native', loadMs: 120.5, decodeMs: 3.25, baseRssMiB: 64, peakRssMiB: 300 });
    expect(() => parseProbeOutput('nothing here')).toThrow(/no APR_MEM_PROBE line/);
    expect(() => parseProbeOutput(line({ loadMs: -1, decodeMs: 1, baseRssBytes: 1, maxRssKiB: 1 }))).toThrow(/loadMs/);
    expect(() => parseProbeOutput(line({ loadMs: 1, decodeMs: 1, baseRssBytes: 1 }))).toThrow(/maxRssKiB/);
  });

  it('ratios are apr ÷ llama.cpp; a failed llama.cpp probe keeps its reason and no ratios', () => {
    const r = memoryReport(sample('apr/native', 300, 600), sample('node-llama-cpp', 600, 400), { contextLength: 64, batch: 64 });
    expect(r.rssRatio).toBe(1.5);
    expect(r.loadRatio).toBe(0.5);
    const t = memoryText(r);
    expect(t).toMatch(/context of 64, batch 64/);
    expect(t).toMatch(/\| apr\/native +\| +300\.0 \| +600\.0 \|/);
    expect(t).toMatch(/\| node-llama-cpp +\| +600\.0 \| +400\.0 \|/);
    expect(t).toContain('apr / llama.cpp: load 0.500×, peak RSS 1.500×');
    const failed = memoryReport(sample('apr/ref', 1, 2), 'node-llama-cpp probe failed: boom', { contextLength: 16, batch: 8 });
    expect(failed).not.toHaveProperty('rssRatio');
    expect(failed).not.toHaveProperty('llamaCpp');
    expect(memoryText(failed)).toContain('llama.cpp: node-llama-cpp probe failed: boom');
  });
});

describe('apr bench --mem (real child processes, tiny model)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apr-bench-mem-'));
  const tiny = join(dir, 'tiny-q8_0.gguf');
  const FAST = ['-p', '8', '-n', '4', '-r', '1', '--threads', '1', '--probe-mib', '16'];
  beforeAll(async () => {
    await generateModel({ preset: 'tiny', type: 'q8_0', out: tiny, threads: 1 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--mem --json adds memory: apr always, llama.cpp when node-llama-cpp loads', async () => {
    const { stdout } = await bench([tiny, ...FAST, '--mem', '--json']);
    const r = JSON.parse(stdout);
    // Existing fields are untouched.
    expect(r.results.map((x: { test: string }) => x.test)).toEqual(['pp8', 'tg4']);
    const m = r.memory;
    expect(m).toMatchObject({ contextLength: 16, batch: 8 });
    expect(m.apr.engine).toMatch(/^apr\//);
    expect(m.apr.loadMs).toBeGreaterThan(0);
    expect(m.apr.peakRssMiB).toBeGreaterThanOrEqual(m.apr.baseRssMiB);
    // realizar reads the whole file into memory: the peak is at least the file above the baseline.
    const fileMiB = statSync(tiny).size / 2 ** 20;
    expect(m.apr.peakRssMiB - m.apr.baseRssMiB).toBeGreaterThan(0.9 * fileMiB);
    const lib = await NodeLlamaCppBench.load();
    if (typeof lib === 'string') {
      expect(m.llamaCppReason).toMatch(/node-llama-cpp/);
      return;
    }
    await lib.dispose();
    expect(m.llamaCpp.engine).toBe('node-llama-cpp');
    expect(m.llamaCpp.loadMs).toBeGreaterThan(0);
    expect(m.llamaCpp.peakRssMiB).toBeGreaterThan(m.llamaCpp.baseRssMiB);
    expect(m.rssRatio).toBeCloseTo(m.apr.peakRssMiB / m.llamaCpp.peakRssMiB, 12);
    expect(m.loadRatio).toBeCloseTo(m.apr.loadMs / m.llamaCpp.loadMs, 12);
  });

  it('prints the load ms / peak RSS table without --json; --no-mem and plain runs have no memory field', async () => {
    const { stdout } = await bench([tiny, ...FAST, '--mem']);
    expect(stdout).toMatch(/\| engine +\| load ms \| peak RSS MiB \|/);
    expect(stdout).toMatch(/\| apr\/\w+ +\| +[\d.]+ \| +[\d.]+ \|/);
    const plain = JSON.parse((await bench([tiny, ...FAST, '--json'])).stdout);
    expect(plain).not.toHaveProperty('memory');
    const noMem = JSON.parse((await bench([tiny, ...FAST, '--json', '--no-mem', '--cmp', 'llama'])).stdout);
    expect(noMem).not.toHaveProperty('memory');
  });
});
