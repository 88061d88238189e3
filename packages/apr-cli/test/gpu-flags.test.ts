/**
 * `--gpu` / `--no-gpu` of apr run and apr bench: `--gpu` is `--backend cuda` without the silent
 * fallback (it fails naming the CUDA driver's reason), `--no-gpu` keeps `auto` on the CPU, and
 * contradicting flags are usage errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendInfo } from '@sovereign/realizar';
import { generateModel } from '@sovereign/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apr } from './cli-harness.js';

const cuda = backendInfo().find((b) => b.name === 'cuda')!;
const dir = mkdtempSync(join(tmpdir(), 'apr-gpu-'));
const tiny = join(dir, 'tiny-q8_0.gguf');
beforeAll(async () => {
  await generateModel({ preset: 'tiny', type: 'q8_0', out: tiny, threads: 1 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('apr --gpu / --no-gpu', () => {
  it('cuda is a registered backend: backendInfo gives the driver state, not "no CUDA backend registered"', () => {
    expect(cuda.reason).not.toMatch(/no CUDA backend registered/);
  });

  it.skipIf(cuda.available)('run --gpu without a usable GPU fails and names the driver reason', async () => {
    const r = await apr(['run', tiny, '--prompt', 'hi', '-n', '1', '--gpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--gpu: the cuda backend cannot run here');
    expect(r.stderr).toContain(cuda.reason);
  });

  it.skipIf(cuda.available)('bench --gpu without a usable GPU fails the same way', async () => {
    const r = await apr(['bench', tiny, '-p', '4', '-n', '2', '-r', '1', '--gpu', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(cuda.reason);
  });

  it('run --no-gpu runs on the CPU and says so with --verbose', async () => {
    const r = await apr(['--verbose', 'run', tiny, '--prompt', 'hi', '-n', '2', '--temperature', '0', '--no-gpu', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/backend: (native|ref),/);
    expect(r.stderr).toContain('--no-gpu');
  });

  it('contradicting flags are usage errors', async () => {
    expect((await apr(['run', tiny, '--prompt', 'hi', '--gpu', '--backend', 'native'])).code).toBe(2);
    expect((await apr(['run', tiny, '--prompt', 'hi', '--no-gpu', '--backend', 'cuda'])).code).toBe(2);
  });
});
