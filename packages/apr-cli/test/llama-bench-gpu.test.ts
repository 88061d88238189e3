/**
 * `apr bench --gpu --cmp llama`: native llama-bench gets `-ngl 99` (every layer on the GPU) only
 * when our side runs on the GPU, and node-llama-cpp (a CPU prebuilt here) sits out with a reason.
 * The binary is a shell script that records its arguments and prints llama-bench's JSON.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { llamaBenchArgs, runLlamaBench } from '../src/bench/llama-bench-native.js';
import { NODE_LLAMA_CPP_GPU_SKIP, compareWithLlamaCpp } from '../src/bench/llama-compare.js';

const dir = mkdtempSync(join(tmpdir(), 'apr-llama-bench-gpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake llama-bench: writes its arguments (one per line) to `<dir>/args-<name>` and prints two result rows. */
function fakeLlamaBench(name: string): { binary: string; args: () => string[] } {
  const binary = join(dir, `llama-bench-${name}`);
  const argsFile = join(dir, `args-${name}`);
  const json = JSON.stringify([
    { build_commit: 'fake123', build_number: 1, n_prompt: 8, n_gen: 0, avg_ts: 1000, stddev_ts: 1 },
    { build_commit: 'fake123', build_number: 1, n_prompt: 0, n_gen: 4, avg_ts: 300, stddev_ts: 2 },
  ]);
  writeFileSync(binary, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\necho 'loading model' >&2\necho '${json}'\n`);
  chmodSync(binary, 0o755);
  return { binary, args: () => readFileSync(argsFile, 'utf8').trim().split('\n') };
}

/** The value after `flag` in an argument list. */
const valueOf = (args: readonly string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

const base = { modelPath: '/models/m.gguf', nPrompt: 8, nGen: 4, reps: 2, threads: 3 };

describe('llama-bench offload under apr bench --gpu', () => {
  it('llamaBenchArgs: -ngl 99 with gpu, -ngl 0 without; the rest is the same [F-BENCH-GPU-1]', () => {
    const gpu = llamaBenchArgs({ ...base, gpu: true });
    const cpu = llamaBenchArgs(base);
    expect(valueOf(gpu, '-ngl')).toBe('99');
    expect(valueOf(cpu, '-ngl')).toBe('0');
    expect(cpu).not.toContain('99');
    expect(valueOf(llamaBenchArgs({ ...base, gpu: false }), '-ngl')).toBe('0');
    for (const f of ['-m', '-p', '-n', '-r', '-t', '-fa', '-o']) expect(valueOf(gpu, f)).toBe(valueOf(cpu, f));
    expect(gpu.filter((a) => a === '-ngl')).toHaveLength(1);
  });

  it('runLlamaBench passes -ngl 99 to the binary only with gpu', async () => {
    const onGpu = fakeLlamaBench('gpu');
    const run = await runLlamaBench({ ...base, binary: onGpu.binary, gpu: true });
    expect(valueOf(onGpu.args(), '-ngl')).toBe('99');
    expect(run.results.map((r) => [r.test, r.tokensPerSec])).toEqual([['pp8', 1000], ['tg4', 300]]);

    const onCpu = fakeLlamaBench('cpu');
    await runLlamaBench({ ...base, binary: onCpu.binary });
    expect(valueOf(onCpu.args(), '-ngl')).toBe('0');
  });

  it('compareWithLlamaCpp under gpu: llama-bench with -ngl 99, node-llama-cpp skipped with the reason', async () => {
    const fake = fakeLlamaBench('cmp');
    const progress: string[] = [];
    const cmp = await compareWithLlamaCpp({
      modelPath: base.modelPath,
      plan: { nPrompt: 8, nGen: 4, reps: 2, vocab: 32, seed: 1 },
      threads: 3,
      gpu: true,
      llamaBench: { path: fake.binary, source: 'LLAMA_BENCH' },
      progress: (s) => progress.push(s),
    });
    expect(valueOf(fake.args(), '-ngl')).toBe('99');
    expect(cmp.rates.get('llama-bench')?.get('tg4')?.tokensPerSec).toBe(300);
    expect(cmp.rates.has('node-llama-cpp')).toBe(false);
    expect(cmp.notes).toContain(NODE_LLAMA_CPP_GPU_SKIP);
    expect(cmp.notes.find((n) => n.startsWith('llama-bench:'))).toMatch(/-ngl 99/);
    expect(progress.join('\n')).toMatch(/-ngl 99/);
  });
});
