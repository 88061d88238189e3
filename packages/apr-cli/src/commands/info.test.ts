import { readFileSync } from 'node:fs';
import { type GpuInfo, loadCudaDriver, loadNative } from '@sovereign/realizar';
import { afterEach, describe, expect, it } from 'vitest';
import { apr } from '../../test/cli-harness.js';
import { APR_VERSION } from '../main.js';
import { INFO_FEATURES, type SystemInfo, cpuFeatures, gpuLines, infoText } from './info.js';

async function infoJson(...args: string[]): Promise<SystemInfo> {
  const r = await apr(['info', '--json', ...args]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as SystemInfo;
}

const cpuinfoText = process.platform === 'linux' ? readFileSync('/proc/cpuinfo', 'utf8') : undefined;
const savedNative = process.env.TRUENO_NATIVE;
const savedCuda = { TRUENO_CUDA: process.env.TRUENO_CUDA, TRUENO_CUDA_LIB: process.env.TRUENO_CUDA_LIB };

afterEach(() => {
  if (savedNative === undefined) delete process.env.TRUENO_NATIVE;
  else process.env.TRUENO_NATIVE = savedNative;
  loadNative({ reload: true });
  for (const [k, v] of Object.entries(savedCuda)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  loadCudaDriver({ reload: true });
});

describe('apr info', () => {
  it('cpuFeatures: flags from /proc/cpuinfo, unknown without it', () => {
    const text = 'processor\t: 0\nmodel name\t: X\nflags\t\t: fpu avx2 fma avx512f amx_tile\n';
    const f = cpuFeatures(text);
    expect(Object.keys(f)).toEqual([...INFO_FEATURES]);
    expect(f).toMatchObject({ avx2: true, fma: true, avx512f: true, amx_tile: true, f16c: false, avx512_vnni: false, amx_int8: false });
    expect(Object.values(cpuFeatures(undefined))).toEqual(INFO_FEATURES.map(() => 'unknown'));
  });

  it('--json: versions, CPU features as found at run time, backends and the one auto picks', async () => {
    const s = await infoJson();
    expect(s.apr.version).toBe(APR_VERSION);
    expect(s.node.version).toBe(process.version);
    expect(s.os).toMatchObject({ platform: process.platform, arch: process.arch });
    expect(s.cpu.physicalCores).toBeGreaterThanOrEqual(1);
    expect(s.cpu.logicalCpus).toBeGreaterThanOrEqual(s.cpu.physicalCores);
    expect(Object.keys(s.cpu.features)).toEqual([...INFO_FEATURES]);
    if (cpuinfoText) {
      const flags = new Set(/^flags\s*:\s*(.*)$/m.exec(cpuinfoText)?.[1].split(/\s+/) ?? []);
      for (const f of INFO_FEATURES) expect(s.cpu.features[f], f).toBe(flags.has(f));
    }
    expect(s.backends.map((b) => b.name)).toEqual(expect.arrayContaining(['ref', 'native']));
    const native = s.backends.find((b) => b.name === 'native')!;
    expect(native.available).toBe(s.native.available);
    expect(s.selected.requested).toBe('auto');
    // auto prefers native over ref whenever the addon loaded (no CUDA here).
    expect(s.selected.backend).toBe(s.native.available ? 'native' : 'ref');
    if (s.native.available) {
      expect(s.native.isas).toContain(s.native.isa);
      expect(s.native.threads).toBe(s.native.defaultThreads);
      expect(s.native.types).toContain('q8_0');
      expect(s.native.compiler).toMatch(/\w+ \d+/);
    } else {
      console.warn(`native addon absent: ${s.native.reason}`);
      expect(s.native.reason).toMatch(/\w/);
    }
  });

  it('--threads resizes the chosen backend (native), --backend ref selects ref', async () => {
    const s = await infoJson('--threads', '1');
    if (s.native.available) {
      expect(s.selected).toMatchObject({ backend: 'native', threads: 1 });
      expect(s.native.threads).toBe(1);
      await infoJson('--threads', String(s.native.defaultThreads)); // restore the pool for later tests
    }
    const r = await infoJson('--backend', 'ref');
    expect(r.selected).toMatchObject({ requested: 'ref', backend: 'ref', threads: 1 });
  });

  it('text: one line per part, features as name = 0|1', async () => {
    const r = await apr(['info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^apr ${APR_VERSION.replace(/\./g, '\\.')} \\(Node v\\d+`));
    expect(r.stdout).toMatch(/^cpu: .*\d+ physical core/m);
    for (const f of INFO_FEATURES) expect(r.stdout).toMatch(new RegExp(`\\b${f} = (0|1|unknown)\\b`));
    expect(r.stdout).toMatch(/^ {2}ref +yes +pure TypeScript/m);
    expect(r.stdout).toMatch(/^--backend auto runs: (native|ref), \d+ thread/m);
    expect(r.stdout).toMatch(/^native backend:/m);
  });

  it('TRUENO_NATIVE=0: the native backend is reported absent with the loader\'s reason', async () => {
    process.env.TRUENO_NATIVE = '0';
    loadNative({ reload: true });
    const r = await apr(['info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('native backend: not available: disabled by TRUENO_NATIVE=0');
    expect(r.stdout).toMatch(/^ {2}native +no +disabled by TRUENO_NATIVE=0/m);
    expect(r.stdout).toMatch(/^--backend auto runs: ref, 1 thread/m);
    const s = await infoJson();
    expect(s.native).toEqual({ available: false, reason: 'disabled by TRUENO_NATIVE=0' });
    expect(s.selected.backend).toBe('ref');
  });

  it('prints unknown features where /proc/cpuinfo is unavailable', async () => {
    const s = await infoJson();
    const text = infoText({ ...s, cpu: { ...s.cpu, features: cpuFeatures(undefined) } });
    expect(text).toContain('avx2 = unknown | fma = unknown');
  });

  it('rejects a bad --threads and an unknown --backend', async () => {
    const bad = await apr(['info', '--threads', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--threads: expected an integer/);
    const unknown = await apr(['info', '--backend', 'tpu']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown backend 'tpu'/);
  });

  it('GPU: the CUDA device with compute capability, SMs, memory and driver version, or why there is none [F-INFO-GPU-1]', async () => {
    const s = await infoJson();
    const r = await apr(['info']);
    if (s.gpu.available) {
      expect(s.gpu.devices?.length).toBeGreaterThanOrEqual(1);
      expect(s.gpu.driverVersion).toMatch(/^\d+\.\d+$/);
      expect(r.stdout).toMatch(/^ {2}device 0 {4}.+, compute \d+\.\d+ \(sm_\d+\), \d+ SMs, [\d.]+ GiB/m);
    } else {
      // This CI machine has no NVIDIA driver: the loader's reason, verbatim.
      console.warn(`GPU absent: ${s.gpu.reason}`);
      expect(s.gpu).toEqual({ available: false, reason: expect.stringMatching(/^(no CUDA driver: libcuda\.so\.1: cannot open shared object file|native addon not built|CUDA driver .* did not initialize|no CUDA device)/) });
      expect(r.stdout).toContain(`GPU: not available: ${s.gpu.reason}\n`);
    }
  });

  it('GPU: the reason follows TRUENO_CUDA_LIB and TRUENO_CUDA=0', async () => {
    process.env.TRUENO_CUDA_LIB = '/nonexistent/libcuda.so.1';
    loadCudaDriver({ reload: true });
    const s = await infoJson();
    if (!s.gpu.reason.startsWith('native addon not built')) {
      expect(s.gpu).toEqual({ available: false, reason: 'no CUDA driver: /nonexistent/libcuda.so.1: cannot open shared object file: No such file or directory' });
    }
    process.env.TRUENO_CUDA = '0';
    loadCudaDriver({ reload: true });
    expect((await apr(['info'])).stdout).toContain('GPU: not available: disabled by TRUENO_CUDA=0\n');
  });

  it('GPU section text for a found device', () => {
    const g: GpuInfo = {
      available: true,
      reason: '1 CUDA device(s)',
      driverVersion: '12.4',
      library: 'libcuda.so.1',
      graphs: true,
      devices: [{ ordinal: 0, name: 'NVIDIA H100 80GB HBM3', computeCapability: '9.0', sm: 'sm_90', multiprocessors: 132, memoryBytes: 85520809984, bandwidthGBs: 3352.3 }],
    };
    expect(gpuLines(g)).toEqual([
      'GPU:',
      '  driver      CUDA 12.4 (libcuda.so.1), graphs yes',
      '  device 0    NVIDIA H100 80GB HBM3, compute 9.0 (sm_90), 132 SMs, 79.6 GiB, ~3352 GB/s',
    ]);
  });
});
