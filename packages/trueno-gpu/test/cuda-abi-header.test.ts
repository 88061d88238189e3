/**
 * native/driver/cuda-abi.h re-declares the part of cuda.h the binding uses, so the addon builds
 * without the CUDA toolkit. Where the toolkit is installed, this test holds every enum value
 * and entry point name of that header against the real cuda.h (g++ -fsyntax-only with
 * static_asserts). Skipped with the reason where cuda.h or g++ is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fakeUnavailable } from './fake-libcuda.js';

const HEADER = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'driver', 'cuda-abi.h');
const CUDA_INCLUDE = process.env.CUDA_HOME ? join(process.env.CUDA_HOME, 'include') : '/usr/local/cuda/include';
const skip = !existsSync(join(CUDA_INCLUDE, 'cuda.h')) ? `no cuda.h under ${CUDA_INCLUDE}` : fakeUnavailable();
if (skip) console.warn(`cuda-abi.h check skipped: ${skip}`);

describe.skipIf(skip !== undefined)('cuda-abi.h against the toolkit\'s cuda.h', () => {
  it('cuda-abi.h: every enum value and entry point name matches cuda.h [F-GPU-ABI-1]', () => {
    const text = readFileSync(HEADER, 'utf8');
    const values = [...text.matchAll(/^\s+((?:CUDA|CU)_[A-Z0-9_]+) = (\d+),?/gm)].map((m) => [m[1], m[2]] as const);
    const entries = [...text.matchAll(/^\s+X\((cu\w+), (?:true|false)\)/gm)].map((m) => m[1]);
    expect(values.length).toBeGreaterThan(20);
    expect(entries.length).toBeGreaterThan(35);
    const src = [
      '#include <cuda.h>',
      'static_assert(sizeof(CUdeviceptr) == 8, "CUdeviceptr");',
      ...values.map(([n, v]) => `static_assert(${n} == ${v}, "${n}");`),
      ...entries.map((e) => `static const void* p_${e} = reinterpret_cast<const void*>(&${e});`),
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'trueno-abi-'));
    try {
      const file = join(dir, 'abi-check.cpp');
      writeFileSync(file, src);
      const r = spawnSync(process.env.CXX || 'g++', ['-std=c++17', '-fsyntax-only', '-Wno-unused-variable', '-DCUDA_API_PER_THREAD_DEFAULT_STREAM=0', '-D__CUDA_API_VERSION_INTERNAL', `-I${CUDA_INCLUDE}`, file], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
