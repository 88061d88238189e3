/**
 * The CUDA binding end to end — TS API, addon, dlopen/dlsym, argument packing — against the fake
 * libcuda (native/test/fake-libcuda.cpp), which stands in for the GPU with host memory and logs
 * what the "driver" received. Skipped with the reason where g++ or the addon is missing.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CudaContext,
  type CudaDriver,
  CudaCaptureError,
  CudaJitError,
  CudaLaunchError,
  CudaNotSupportedError,
  CudaOutOfMemoryError,
  CudaUsageError,
  loadCudaDriver,
} from '../src/index.js';
import { loadNativeCudaAddon } from '../src/driver/native-binding.js';
import { cleanupFakes, fakeLibcuda, fakeUnavailable, readFakeLog } from './fake-libcuda.js';

const addon = loadNativeCudaAddon();
const skipReason = addon.addon ? fakeUnavailable() : `addon absent: ${addon.reason}`;
if (skipReason) console.warn(`fake libcuda tests skipped: ${skipReason}`);

const PTX_HEAD = '.version 8.0\n.target sm_80\n.address_size 64\n';
const AXPY = `${PTX_HEAD}.visible .entry fake_axpy_f32(\n  .param .u64 y,\n  .param .u64 x,\n  .param .f32 a,\n  .param .u32 n\n)\n{\n  ret;\n}\n`;
const MIXED = `${PTX_HEAD}// a kernel whose parameters cover every width and kind
.visible .entry mixed(.param .u64 p, .param .s32 i, .param .f32 f, .param .u32 u, .param .f64 d, .param .s64 l)
{
  ret;
}
`;

const saved = { ...process.env };
afterEach(() => {
  for (const k of ['TRUENO_CUDA_LIB', 'TRUENO_CUDA', 'FAKE_CUDA_LOG', 'FAKE_CUDA_DEVICES', 'FAKE_CUDA_MEM_LIMIT']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
afterAll(() => cleanupFakes());

/** A driver on a private fake, logging to its own file. */
function fakeDriver(variant: Parameters<typeof fakeLibcuda>[0] = 'full'): { driver: CudaDriver; log: string; path: string } {
  const fake = fakeLibcuda(variant);
  process.env.FAKE_CUDA_LOG = fake.log;
  const r = loadCudaDriver({ libraryPath: fake.path });
  if (!r.driver) throw new Error(`fake driver did not load: ${r.reason}`);
  return { driver: r.driver, ...fake };
}

function hexOf(...parts: (number | bigint | ['u32' | 's32' | 'f32' | 'f64' | 'u64' | 's64', number | bigint])[]): string {
  return parts
    .map((p) => {
      const [type, v] = Array.isArray(p) ? p : ['u64', p];
      const b = Buffer.alloc(type.endsWith('64') ? 8 : 4);
      if (type === 'u32') b.writeUInt32LE(Number(v));
      else if (type === 's32') b.writeInt32LE(Number(v));
      else if (type === 'f32') b.writeFloatLE(Number(v));
      else if (type === 'f64') b.writeDoubleLE(Number(v));
      else if (type === 's64') b.writeBigInt64LE(BigInt(v));
      else b.writeBigUInt64LE(BigInt(v));
      return b.toString('hex');
    })
    .join('');
}

describe.skipIf(skipReason !== undefined)('CUDA driver binding on the fake libcuda', () => {
  let driver: CudaDriver;
  let ctx: CudaContext;
  let log: string;
  beforeAll(() => {
    ({ driver, log } = fakeDriver());
    ctx = driver.createContext(0);
  });
  afterAll(() => driver?.dispose());
  beforeEach(() => {
    process.env.FAKE_CUDA_LOG = log;
  });

  it('device info: version, attributes and bandwidth estimate as the driver reports them [F-GPU-DRIVER-1]', () => {
    expect(driver.version).toBe(12040);
    expect(driver.versionString).toBe('12.4');
    expect(driver.features).toMatchObject({ graphs: true, pinnedHost: true });
    const [d] = driver.devices();
    expect(d).toMatchObject({
      ordinal: 0,
      name: 'Fake CUDA Device 0 (trueno-gpu test)',
      computeCapability: { major: 8, minor: 9 },
      sm: 'sm_89',
      multiprocessors: 128,
      memoryBytes: 1 << 30,
      memoryBusWidthBits: 384,
      sharedBytesPerBlock: 48 * 1024,
    });
    // 2 × 10.501 GHz × 384 bits / 8 = 1008.1 GB/s (an RTX 4090's datasheet 1008 GB/s).
    expect(d.bandwidthBytesPerSec).toBe(2 * 10501000 * 1000 * 48);
    expect(() => driver.device(1)).toThrow(/device 1 does not exist: 1 device\(s\) visible/);
  });

  it('copies host → device → host and memsets, bounds-checked', () => {
    const src = Float32Array.from({ length: 257 }, (_, i) => i * 0.5 - 3);
    const a = ctx.alloc(src.byteLength);
    const b = ctx.alloc(src.byteLength);
    ctx.copyToDevice(a, src);
    ctx.copyDeviceToDevice(b, a, src.byteLength);
    const back = new Float32Array(257);
    ctx.copyToHost(back, b);
    expect(back).toEqual(src);
    ctx.memset(b.slice(4, 8), 0);
    ctx.copyToHost(back, b);
    expect([back[0], back[1], back[2], back[3]]).toEqual([src[0], 0, 0, src[3]]);
    expect(() => ctx.copyToDevice(a, new Float32Array(258))).toThrow(CudaUsageError);
    a.dispose();
    b.dispose();
    expect(() => ctx.copyToHost(back, a)).toThrow(/freed/);
  });

  it('launch: parameters reach the driver packed at the widths the PTX declares [F-GPU-DRIVER-2]', () => {
    const m = ctx.loadModule(MIXED);
    expect(m.infoLog).toContain("Compiling entry function 'mixed'");
    const fn = m.function('mixed');
    expect(fn.params).toEqual(['u64', 's32', 'f32', 'u32', 'f64', 's64']);
    const buf = ctx.alloc(64);
    const before = readFakeLog(log).length;
    ctx.launch(fn, {
      grid: [3, 2],
      block: 96,
      sharedBytes: 1024,
      params: [
        { type: 'u64', value: buf.ptr },
        { type: 's32', value: -7 },
        { type: 'f32', value: 1.5 },
        { type: 'u32', value: 0xfffffffe },
        { type: 'f64', value: Math.PI },
        { type: 's64', value: -(2n ** 40n) },
      ],
    });
    const [entry] = readFakeLog(log).slice(before);
    expect(entry).toMatchObject({ op: 'launch', fn: 'mixed', grid: [3, 2, 1], block: [96, 1, 1], shared: 1024, stream: 0, graph: false });
    expect(entry.params).toBe(hexOf(buf.ptr, ['s32', -7], ['f32', 1.5], ['u32', 0xfffffffe], ['f64', Math.PI], ['s64', -(2n ** 40n)]));
    // The signature check stops a short or mistyped argument list before the driver reads it.
    expect(() => ctx.launch(fn, { grid: 1, block: 1, params: [{ type: 'u64', value: buf.ptr }] })).toThrow(/mixed takes 6 parameter/);
    const wrong = [{ type: 'u32', value: 1 }, ...Array(5).fill({ type: 's32', value: 0 })] as const;
    expect(() => ctx.launch(fn, { grid: 1, block: 1, params: wrong })).toThrow(/parameter 0 is \.u64, got u32/);
    expect(readFakeLog(log).length).toBe(before + 1);
    buf.dispose();
    m.dispose();
  });

  it('runs the built-in axpy kernel on device memory through the pointers it was given', () => {
    const fn = ctx.loadModule(AXPY).function('fake_axpy_f32');
    const n = 1001;
    const x = Float32Array.from({ length: n }, (_, i) => i);
    const y = Float32Array.from({ length: n }, (_, i) => 1 - i);
    const dx = ctx.alloc(n * 4);
    const dy = ctx.alloc(n * 4);
    ctx.copyToDevice(dx, x);
    ctx.copyToDevice(dy, y);
    ctx.launch(fn, { grid: Math.ceil(n / 256), block: 256, params: [{ type: 'u64', value: dy.ptr }, { type: 'u64', value: dx.ptr }, { type: 'f32', value: 2 }, { type: 'u32', value: n }] });
    ctx.synchronize();
    const out = new Float32Array(n);
    ctx.copyToHost(out, dy);
    expect(out).toEqual(Float32Array.from({ length: n }, (_, i) => 1 - i + 2 * i));
    fn.module.dispose();
    expect(() => ctx.launch(fn, { grid: 1, block: 1, params: [] })).toThrow(/module was unloaded/);
    dx.dispose();
    dy.dispose();
  });

  it('loadModule: PTX the JIT rejects throws CudaJitError with the ptxas log and advice [F-GPU-DRIVER-3]', () => {
    const bad = `${PTX_HEAD}.visible .entry k()\n{\n  FAKE_JIT_ERROR;\n}\n`;
    const e = (() => {
      try {
        ctx.loadModule(bad);
      } catch (err) {
        return err;
      }
      throw new Error('loadModule accepted invalid PTX');
    })();
    expect(e).toBeInstanceOf(CudaJitError);
    const j = e as CudaJitError;
    expect(j.code).toBe(218);
    expect(j.name).toBe('CUDA_ERROR_INVALID_PTX');
    expect(j.call).toBe('cuModuleLoadDataEx');
    expect(j.log).toContain("line 6; error   : Unknown symbol 'FAKE_JIT_ERROR'");
    expect(j.message).toContain('loading a PTX module (k) on Fake CUDA Device 0');
    expect(j.message).toContain('JIT log:');
    // An ISA newer than the driver: update the driver; a target newer than the GPU: lower it.
    expect(() => ctx.loadModule('.version 9.0\n.target sm_80\n.visible .entry k() { ret; }')).toThrow(
      /update the NVIDIA driver: PTX ISA 9\.0 needs a driver for CUDA ≥ 13\.0, this one supports CUDA 12\.4/,
    );
    expect(() => ctx.loadModule('.version 8.0\n.target sm_90\n.visible .entry k() { ret; }')).toThrow(/\.target sm_90 is newer than this GPU \(sm_89\)/);
    expect(ctx.resources.modules).toBe(0);
  });

  it('an allocation beyond the device memory throws CudaOutOfMemoryError with the free memory', () => {
    const keep = ctx.alloc(1 << 20);
    let err: unknown;
    try {
      ctx.alloc(2 ** 31);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CudaOutOfMemoryError);
    expect(err).toMatchObject({ code: 2, name: 'CUDA_ERROR_OUT_OF_MEMORY', call: 'cuMemAlloc_v2' });
    expect((err as Error).message).toMatch(/allocating 2\.0 GiB on Fake CUDA Device 0.*1023\.0 MiB of 1\.0 GiB free/);
    keep.dispose();
  });

  it('async copies keep their host buffers alive until the stream syncs', () => {
    const s = ctx.createStream({ nonBlocking: true });
    const d = ctx.alloc(4096);
    s.copyToDeviceAsync(d, new Uint8Array(4096).fill(7));
    const back = new Uint8Array(4096);
    s.copyToHostAsync(back, d);
    expect(s.pendingHostBuffers).toBe(2);
    s.synchronize();
    expect(s.pendingHostBuffers).toBe(0);
    expect(back.every((v) => v === 7)).toBe(true);
    s.copyToDeviceAsync(d, new Uint8Array(16));
    ctx.synchronize();
    expect(s.pendingHostBuffers).toBe(0);
    s.dispose();
    d.dispose();
    expect(() => s.synchronize()).toThrow(/disposed CudaStream/);
  });

  it('graph capture: captured copies and launches replay with their captured parameters [F-GPU-DRIVER-4]', () => {
    const fn = ctx.loadModule(AXPY).function('fake_axpy_f32');
    const s = ctx.createStream();
    const dx = ctx.alloc(16);
    const dy = ctx.alloc(16);
    ctx.copyToDevice(dy, new Float32Array(4));
    const x = Float32Array.of(1, 2, 3, 4);
    const params = [{ type: 'u64', value: dy.ptr }, { type: 'u64', value: dx.ptr }, { type: 'f32', value: 0.5 }, { type: 'u32', value: 4 }] as const;
    const before = readFakeLog(log).length;
    const graph = ctx.capture(s, (st) => {
      st.copyToDeviceAsync(dx, x);
      st.launch(fn, { grid: 1, block: 32, params });
    });
    expect(readFakeLog(log).length).toBe(before); // captured, not run
    expect(s.pendingHostBuffers).toBe(0); // x is held by the graph
    for (let i = 0; i < 3; i++) graph.launch(s);
    expect(s.pendingHostBuffers).toBe(3);
    s.synchronize();
    const out = new Float32Array(4);
    ctx.copyToHost(out, dy);
    expect(out).toEqual(Float32Array.of(1.5, 3, 4.5, 6)); // three replays of y += 0.5·x
    const launches = readFakeLog(log).slice(before).filter((e) => e.op === 'launch');
    expect(launches).toHaveLength(3);
    for (const l of launches) expect(l).toMatchObject({ fn: 'fake_axpy_f32', graph: true, params: hexOf(dy.ptr, dx.ptr, ['f32', 0.5], ['u32', 4]) });
    graph.dispose();
    expect(() => graph.launch(s)).toThrow(/disposed CudaGraph/);
    // A synchronous call during a global capture fails it, and the capture ends invalidated.
    s.beginCapture();
    expect(() => ctx.copyToDevice(dx, x)).toThrow(CudaCaptureError);
    expect(() => s.endCapture()).toThrow(/CUDA_ERROR_STREAM_CAPTURE_INVALIDATED/);
    expect(() => ctx.defaultStream.beginCapture()).toThrow(/NULL stream cannot be captured/);
    s.dispose();
    dx.dispose();
    dy.dispose();
    fn.module.dispose();
  });

  it('pinned host memory is usable, and detached once freed', () => {
    const p = ctx.allocHost(64);
    new Uint8Array(p.buffer).fill(9);
    const d = ctx.alloc(64);
    ctx.copyToDevice(d, p.buffer);
    const back = new Uint8Array(64);
    ctx.copyToHost(back, d);
    expect(back.every((v) => v === 9)).toBe(true);
    p.dispose();
    expect(p.buffer.byteLength).toBe(0);
    d.dispose();
  });

  it('dispose frees every buffer, module and stream before releasing the primary context', () => {
    const c2 = driver.createContext(0);
    c2.alloc(100);
    c2.loadModule(AXPY);
    c2.createStream();
    const before = readFakeLog(log).length;
    c2.dispose();
    expect(c2.disposed).toBe(true);
    const release = readFakeLog(log).slice(before).find((e) => e.op === 'primaryCtxRelease');
    // ctx (the suite's) still holds its retain; c2 left nothing behind.
    expect(release).toMatchObject({ retains: 1, allocations: 0, modules: 0, streams: 0 });
    expect(() => c2.alloc(1)).toThrow(/disposed CudaContext/);
  });
});

describe.skipIf(skipReason !== undefined)('CUDA driver binding: faults and incomplete drivers (fake libcuda)', () => {
  it('a kernel fault surfaces at the next sync as CudaLaunchError', () => {
    const { driver } = fakeDriver();
    const ctx = driver.createContext();
    const fn = ctx.loadModule(AXPY).function('fake_axpy_f32');
    const d = ctx.alloc(16);
    // n = 1000 elements but 16-byte buffers: the fake's bounds check is the GPU's MMU.
    ctx.launch(fn, { grid: 4, block: 256, params: [{ type: 'u64', value: d.ptr }, { type: 'u64', value: d.ptr }, { type: 'f32', value: 1 }, { type: 'u32', value: 1000 }] });
    expect(() => ctx.synchronize()).toThrow(CudaLaunchError);
    expect(() => ctx.synchronize()).toThrow(/CUDA_ERROR_ILLEGAL_ADDRESS.*the context is unusable now/);
    driver.dispose();
  });

  it('missing symbols: a driver without graph entry points loads, graphs unsupported, the rest works [F-GPU-DRIVER-5]', () => {
    const { driver } = fakeDriver('no-graphs');
    expect(driver.features.graphs).toBe(false);
    expect(driver.features.missing).toEqual(expect.arrayContaining(['cuGraphLaunch', 'cuStreamBeginCapture_v2']));
    const ctx = driver.createContext();
    const s = ctx.createStream();
    expect(() => s.beginCapture()).toThrow(CudaNotSupportedError);
    const d = ctx.alloc(8);
    ctx.copyToDevice(d, Float64Array.of(2.5));
    const out = new Float64Array(1);
    ctx.copyToHost(out, d);
    expect(out[0]).toBe(2.5);
    driver.dispose();
  });

  it('falls back to cuGraphInstantiate_v2 on drivers without cuGraphInstantiateWithFlags', () => {
    const { driver, log } = fakeDriver('graph-v2');
    expect(driver.features.graphs).toBe(true);
    expect(driver.features.missing).toContain('cuGraphInstantiateWithFlags');
    const ctx = driver.createContext();
    const fn = ctx.loadModule(MIXED).function('mixed');
    const s = ctx.createStream();
    const params = [
      { type: 'u64', value: 1n },
      { type: 's32', value: 2 },
      { type: 'f32', value: 3 },
      { type: 'u32', value: 4 },
      { type: 'f64', value: 5 },
      { type: 's64', value: 6 },
    ] as const;
    const g = ctx.capture(s, () => s.launch(fn, { grid: 1, block: 1, params }));
    g.launch(s);
    s.synchronize();
    expect(readFakeLog(log).filter((e) => e.op === 'launch' && e.graph)).toHaveLength(1);
    driver.dispose();
  });

  it('a library lacking a required entry point is reported, not loaded', () => {
    const fake = fakeLibcuda('no-launch');
    const r = loadCudaDriver({ libraryPath: fake.path });
    expect(r.driver).toBeNull();
    expect(r.driver === null && r.reason).toBe(`no CUDA driver: ${fake.path} lacks required CUDA driver entry points: cuLaunchKernel (driver too old or not libcuda)`);
  });

  it('cuInit failing (no device) gives the reason with the CUDA error name', () => {
    const fake = fakeLibcuda();
    process.env.FAKE_CUDA_DEVICES = '0';
    const r = loadCudaDriver({ libraryPath: fake.path });
    expect(r.driver).toBeNull();
    expect(r.driver === null && r.reason).toMatch(/did not initialize: cuInit: cuInit returned CUDA_ERROR_NO_DEVICE .*no CUDA-capable GPU is visible/);
  });

  it('TRUENO_CUDA_LIB points the loader at another library (re-read on reload)', () => {
    const fake = fakeLibcuda();
    process.env.TRUENO_CUDA_LIB = fake.path;
    const r = loadCudaDriver({ reload: true });
    expect(r.driver?.libraryPath).toBe(fake.path);
    expect(loadCudaDriver()).toBe(r);
    r.driver?.dispose();
  });
});
