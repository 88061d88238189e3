/**
 * The loader never throws: without a GPU (this CI machine) it returns `driver: null` and says
 * why; on a GPU machine it returns an initialized driver with at least one device.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCudaDriver } from './load-cuda-driver.js';
import { loadNativeCudaAddon } from './native-binding.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of ['TRUENO_CUDA', 'TRUENO_CUDA_LIB', 'TRUENO_GPU_NATIVE_PATH']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
const addonBuilt = loadNativeCudaAddon().addon !== null;

describe('loadCudaDriver', () => {
  it('loadCudaDriver: the real libcuda.so.1 gives a driver with devices or null with the reason, never a throw [F-GPU-LOAD-1]', () => {
    delete process.env.TRUENO_CUDA_LIB;
    const r = loadCudaDriver({ reload: true });
    if (r.driver) {
      const devices = r.driver.devices();
      expect(devices.length).toBeGreaterThanOrEqual(1);
      expect(devices[0].sm).toMatch(/^sm_\d+$/);
      console.log(`CUDA ${r.driver.versionString}: ${devices.map((d) => `${d.name} (${d.sm}, ${d.multiprocessors} SMs)`).join('; ')}`);
      r.driver.dispose();
    } else {
      console.log(`no CUDA here: ${r.reason}`);
      expect(r.reason).toMatch(/^(no CUDA driver: libcuda\.so\.1: cannot open shared object file|native addon not built|CUDA driver .* did not initialize|no CUDA device)/);
    }
    expect(loadCudaDriver()).toBe(r);
  });

  it.skipIf(!addonBuilt)('a missing library: "no CUDA driver" with the dlopen error', () => {
    const path = join(tmpdir(), 'no-such-dir', 'libcuda.so.1');
    process.env.TRUENO_CUDA_LIB = path;
    const r = loadCudaDriver({ reload: true });
    expect(r).toEqual({ driver: null, reason: `no CUDA driver: ${path}: cannot open shared object file: No such file or directory` });
  });

  it.skipIf(!addonBuilt)('a library that is not libcuda: names the missing entry points', () => {
    const r = loadCudaDriver({ libraryPath: 'libm.so.6', reload: true });
    expect(r.driver).toBeNull();
    expect(r.driver === null && r.reason).toMatch(/^no CUDA driver: libm\.so\.6 lacks required CUDA driver entry points: cuInit, cuDriverGetVersion, .*cuLaunchKernel/);
  });

  it('TRUENO_CUDA=0 disables it', () => {
    process.env.TRUENO_CUDA = '0';
    expect(loadCudaDriver({ reload: true })).toEqual({ driver: null, reason: 'disabled by TRUENO_CUDA=0' });
  });

  it('an addon that is missing or not loadable is a reason, not a throw', () => {
    process.env.TRUENO_GPU_NATIVE_PATH = join(tmpdir(), 'no-such-dir', 'trueno_gpu_native.node');
    const r = loadCudaDriver({ reload: true });
    expect(r.driver === null && r.reason).toMatch(/^failed to load .*no-such-dir/);
    const bogus = join(tmpdir(), `trueno-gpu-bogus-${process.pid}.node`);
    writeFileSync(bogus, 'not an ELF file');
    process.env.TRUENO_GPU_NATIVE_PATH = bogus;
    const r2 = loadCudaDriver({ reload: true });
    expect(r2.driver === null && r2.reason).toMatch(/^failed to load .*trueno-gpu-bogus/);
  });
});
