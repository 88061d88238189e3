/**
 * The GPU backend on a CudaDevice over the fake libcuda (native/test/fake-libcuda.cpp: device
 * memory is host memory, launches are logged, not run). What this checks without a GPU: the
 * registry's cuda provider probes and creates the backend, every kernel's PTX loads once and
 * launches with the parameter widths its .entry declares, copies and uploads reach the right
 * device addresses (overlapping copyWithin included), and weights upload once.
 */
import { GGMLType, Tensor, quantize, refBackend, registerBackend, selectBackend } from '@sovereign/trueno';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CudaDevice, GpuBackend, cudaProvider, loadCudaDriver } from '../src/index.js';
import { loadNativeCudaAddon } from '../src/driver/native-binding.js';
import { cleanupFakes, fakeLibcuda, fakeUnavailable, readFakeLog } from './fake-libcuda.js';

const addon = loadNativeCudaAddon();
const skipReason = addon.addon ? fakeUnavailable() : `addon absent: ${addon.reason}`;
if (skipReason) console.warn(`fake libcuda GPU backend tests skipped: ${skipReason}`);

const saved = { ...process.env };
afterEach(() => {
  for (const k of ['TRUENO_CUDA_LIB', 'FAKE_CUDA_LOG']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
afterAll(() => cleanupFakes());

function backendOnFake(): { be: GpuBackend; log: string } {
  const fake = fakeLibcuda('full');
  process.env.FAKE_CUDA_LOG = fake.log;
  const r = loadCudaDriver({ libraryPath: fake.path });
  if (!r.driver) throw new Error(`fake driver did not load: ${r.reason}`);
  return { be: new GpuBackend(new CudaDevice(r.driver.createContext(0))), log: fake.log };
}

describe.skipIf(skipReason !== undefined)('gpu backend on the fake libcuda', () => {
  it('the cuda provider probes the fake device and selectBackend("cuda") creates a GpuBackend on it', () => {
    const fake = fakeLibcuda('full');
    process.env.TRUENO_CUDA_LIB = fake.path;
    loadCudaDriver({ reload: true });
    registerBackend(cudaProvider); // fresh instance for this library
    const s = selectBackend('cuda');
    expect(s.fellBack).toBe(false);
    expect(s.backend).toBeInstanceOf(GpuBackend);
    expect(s.backend.name).toBe('cuda');
    expect(s.backend.description).toContain('sm_89');
    (s.backend as GpuBackend).dispose();
    registerBackend(cudaProvider);
  });

  it('launches each kernel with its declared parameters, loads each module once, uploads weights once', () => {
    const { be, log } = backendOnFake();
    const w = Tensor.view('w', GGMLType.Q8_0, [64, 5], quantize(GGMLType.Q8_0, new Float32Array(320).fill(0.5)));
    const x = new Float32Array(2 * 64).fill(1);
    const out = new Float32Array(2 * 5);
    be.matmul(w, x, 2, out);
    be.matmul(w, x, 2, out);
    be.rmsNorm(x, new Float32Array(64).fill(1), 1e-6, 2, 64, x);
    const p = { nTok: 1, nHeads: 2, nKvHeads: 1, headDim: 64, ctxLen: 4, pos0: 2, scale: 0.125 };
    const kc = new Float32Array(4 * 64);
    const vc = new Float32Array(4 * 64);
    be.storeKv(x, x, kc, vc, p);
    be.attention(x, kc, vc, new Float32Array(128), p);
    be.synchronize();
    const entries = readFakeLog(log);
    const launches = entries.filter((e) => e.op === 'launch').map((e) => e.fn);
    expect(launches).toEqual(['gemv_q8_0_b2', 'gemv_q8_0_b2', 'rms_norm_f32', 'kv_store_f32', 'attention_decode_d64']);
    const s = be.stats();
    expect(s.weightUploads.count).toBe(2); // the Q8_0 matrix once, the norm weight once
    expect(s.launches).toBe(5);
    const jit = (be.device as CudaDevice).jit;
    expect(jit.modules).toBe(4); // one module per distinct kernel
    be.dispose();
  });

  it('getRows uploads rows that download back equal to the reference; copyWithin moves overlapping ranges on the device', () => {
    const { be } = backendOnFake();
    const src = new Float32Array(32 * 7).map((_, i) => Math.sin(i));
    const emb = Tensor.view('emb', GGMLType.Q8_0, [32, 7], quantize(GGMLType.Q8_0, src));
    const ids = new Int32Array([6, 0, 3, 3]);
    const x = new Float32Array(4 * 32);
    be.getRows(emb, ids, x);
    be.download(x);
    const want = new Float32Array(4 * 32);
    refBackend.getRows(emb, ids, want);
    expect(x).toEqual(want);
    be.getRows(emb, ids, x); // device newer again
    be.copyWithin(x, 10, 40, 70); // overlapping: chunked DtoD copies
    be.download(x);
    expect(x).toEqual(want.slice().copyWithin(10, 40, 110));
    be.dispose();
  });
});
