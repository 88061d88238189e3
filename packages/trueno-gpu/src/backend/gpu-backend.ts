/**
 * The GPU backend: trueno's {@link Backend} (same semantics as the `ref` backend, host
 * `Float32Array` arguments) with the work done by trueno-gpu's kernels on a {@link GpuDevice}
 * (CUDA, or the PTX emulator in tests), keeping data resident on the device:
 *
 * - Weights (`Tensor`) are uploaded once, on first use (cached per tensor object); weight vectors
 *   (norm weights, biases, RoPE frequency factors) once per view object. Call `invalidate` after
 *   changing one.
 * - Every host buffer seen as an activation, logits or KV-cache argument is mirrored on the
 *   device (see device-mirrors.ts); ops read and write the mirror, so a forward pass moves nothing
 *   between ops. JS reading a result calls `download(x)` first; JS writing calls `invalidate(x)`.
 * - Per-call inputs are small and uploaded every call: positions, attention tables, and the
 *   embedding rows of the batch's tokens (getRows dequantizes them on the CPU backend: one row
 *   per token, far cheaper than keeping a dequantized vocabulary on the device).
 * - Matmuls of prompt chunks run on the tensor-core GEMM where the cost model prefers it, else
 *   as batched GEMVs (matmul-route.ts; F16 weights: GEMM for nTok ≥ 2, the CPU for decode).
 * - Ops without a kernel for their arguments (matmul of F32/Q5_1/… weights, attention with a
 *   head size other than 64/128, softmax) run on the CPU backend with the buffers made current on
 *   the host first, counted in {@link stats}: never silently wrong.
 * - Decode steps bracketed by {@link GpuBackend.stepBegin} / {@link GpuBackend.stepEnd} are
 *   recorded once per shape and replayed as one graph (step-graphs.ts); their per-token inputs
 *   (embedding rows, positions, attention lengths) go through one staging copy instead.
 */
import { type AttentionParams, type Backend, BackendArgumentError, type RopeParams, type Tensor, dtypeInfo, refBackend } from '@sovereign/trueno';
import type { AttentionHeadDim } from '../kernels/attention-common.js';
import { MAX_GQA_GROUP, attentionDecodeLaunch } from '../kernels/attention-decode.js';
import { MIN_SPLIT_CHUNK } from '../kernels/attention-decode-split.js';
import { attentionPrefillLaunch } from '../kernels/attention-prefill.js';
import { kvStoreLaunch } from '../kernels/kv-store.js';
import { argmaxLaunch } from '../kernels/argmax.js';
import { MAX_GEMV_BATCH, gemvLaunch } from '../kernels/gemv-common.js';
import { gemmMmaLaunch } from '../kernels/gemm-mma.js';
import { gemmSplitKReduceLaunch } from '../kernels/gemm-splitk-reduce.js';
import { addBiasLaunch, addLaunch } from '../kernels/add.js';
import { rmsNormLaunch } from '../kernels/rms-norm.js';
import { ROPE_MAX_ROT, ropeLaunch, ropeScalars } from '../kernels/rope.js';
import { swigluLaunch } from '../kernels/swiglu.js';
import type { Kernel } from '../ptx/kernel.js';
import { DeviceMirrors } from './device-mirrors.js';
import type { DeviceAddress, GpuDevice } from './gpu-device.js';
import { GpuBackendCounters, type GpuBackendStats } from './gpu-stats.js';
import { checkAttention, checkCopyWithin, need, overlap, partlyOverlap } from './argument-checks.js';
import { KernelSet } from './kernel-set.js';
import { MatmulRouter } from './matmul-route.js';
import { ParamSlots } from './param-slots.js';
import { decodeSplitPlan } from './decode-split-plan.js';
import { copyB32Launch } from './staging-copy-kernel.js';
import { StepGraphs } from './step-graphs.js';

/** Options of {@link GpuBackend}. */
export interface GpuBackendOptions {
  /** Backend for the ops without a kernel (default: trueno's `ref`). */
  readonly cpu?: Backend;
  /** Name reported by {@link GpuBackend.name} (default `cuda` on a CUDA device, `emu` on the emulator). */
  readonly name?: string;
  /** Record and replay bracketed decode steps as graphs (default true; off: every op launches as it comes). */
  readonly graphs?: boolean;
  /** Graphs kept, least recently used dropped first (default 16: a few sessions × context buckets). */
  readonly maxGraphs?: number;
  /**
   * Fewest positions per split-K attention chunk (default MIN_SPLIT_CHUNK = 64). Lower values
   * split shorter contexts, which tests use to reach the split path with a small cache.
   */
  readonly splitMinChunk?: number;
  /**
   * Tensor-core GEMM for prompt chunks where the cost model prefers it (default true). It rounds
   * X to f16: turn it off for models whose matmul inputs can exceed 65504 (see matmul-route.ts).
   */
  readonly gemm?: boolean;
}

/** The GPU backend (see the module comment). */
export class GpuBackend implements Backend {
  readonly name: string;
  /** Backend of the CPU fallbacks and of getRows' dequantization. */
  readonly cpu: Backend;
  readonly kernels: KernelSet;
  private readonly counters = new GpuBackendCounters();
  private readonly mirrors: DeviceMirrors;
  private readonly weights = new WeakMap<Tensor, DeviceAddress>();
  private readonly vectors = new WeakMap<Float32Array, DeviceAddress>();
  /** Frees a weight's device copy when its host tensor or vector is garbage-collected (a model unloaded). */
  private readonly freeWithHost = new FinalizationRegistry<DeviceAddress>((addr) => {
    if (this.disposed) return;
    try {
      this.device.free(addr);
    } catch {
      // The device went away meanwhile.
    }
  });
  /** Small per-call inputs and kernel scratch on the device. */
  private readonly params: ParamSlots;
  private readonly steps: StepGraphs;
  private readonly splitMinChunk: number;
  private readonly router: MatmulRouter;
  private hostRows = new Float32Array(0);
  private u32 = new Uint32Array(0);
  /** One u32: the argmax result read back, or a decode step's attention length. */
  private readonly one = new Uint32Array(1);
  private disposed = false;

  constructor(
    readonly device: GpuDevice,
    opts: GpuBackendOptions = {},
  ) {
    this.name = opts.name ?? device.kind;
    this.cpu = opts.cpu ?? refBackend;
    this.kernels = new KernelSet(device.sm);
    this.params = new ParamSlots(device, this.counters.paramUploads);
    this.splitMinChunk = opts.splitMinChunk ?? MIN_SPLIT_CHUNK;
    this.router = new MatmulRouter(this.kernels, opts.gemm ?? true);
    this.steps = new StepGraphs(device, {
      disabled: opts.graphs === false ? 'turned off (graphs: false)' : (device.graphUnavailable ?? undefined),
      maxGraphs: opts.maxGraphs ?? 16,
      issue: (l) => {
        this.device.launch(l);
        this.counters.launches++;
      },
      staged: (bytes) => this.counters.paramUploads.add(bytes),
      deferring: (on) => (on ? this.params.hold() : this.params.release()),
    });
    this.mirrors = new DeviceMirrors(device, {
      uploads: this.counters.uploads,
      downloads: this.counters.downloads,
      fallbackDownloads: this.counters.fallbackDownloads,
    });
  }

  get description(): string {
    return `GPU kernels on ${this.device.description}; weights and activations resident on the device; fallbacks on ${this.cpu.name}`;
  }

  /** Transfers, launches, CPU fallbacks and step graphs so far. */
  stats(): GpuBackendStats {
    return { ...this.counters.snapshot(), graphs: this.steps.snapshot() };
  }

  // --- decode steps (Backend.stepBegin / stepEnd) ---------------------------------------------

  /**
   * Starts a decode step of shape `key` (one per session, say): its launches are deferred and
   * replayed from the graph recorded for an equal step, or recorded now (see step-graphs.ts).
   * Nested calls belong to the outer step.
   */
  stepBegin(key: string): void {
    this.steps.begin(key);
  }

  /** Ends the step: replays or records its launches. */
  stepEnd(): void {
    this.steps.end();
  }

  /** Device memory held by weights and mirrored buffers. */
  get residentBuffers(): { buffers: number; bytes: number } {
    return this.mirrors.size;
  }

  // --- residency hooks -------------------------------------------------------------------------

  download(x: Float32Array): void {
    if (this.steps.deferring && this.mirrors.find(x)?.state === 'device') this.steps.flush('download');
    this.mirrors.toHost(x);
  }

  invalidate(x: Float32Array): void {
    this.mirrors.hostWrote(x);
    const v = this.vectors.get(x);
    if (v !== undefined) {
      this.steps.flush('invalidate');
      this.vectors.delete(x);
      this.freeWithHost.unregister(x);
      this.device.free(v);
    }
  }

  /** Waits for the device (the ops themselves are asynchronous on CUDA). */
  synchronize(): void {
    this.steps.flush('synchronize');
    this.device.synchronize();
  }

  // --- ops -------------------------------------------------------------------------------------

  matmul(w: Tensor, x: Float32Array, nTok: number, out: Float32Array): void {
    const nIn = w.shape[0];
    const nOut = w.nRows;
    if (!Number.isInteger(nTok) || nTok < 1) {
      if (!this.kernels.hasGemv(w.type) && !this.kernels.hasGemm(w.type)) {
        this.onCpu(`matmul ${dtypeInfo(w.type).name}`, [x], [out], () => this.cpu.matmul(w, x, nTok, out));
        return;
      }
      throw new BackendArgumentError(`matmul ${w.name}: nTok must be a positive integer, got ${nTok}`);
    }
    const route = this.router.route(w.type, nTok, nOut, nIn);
    if (route.kind === 'cpu') {
      this.onCpu(`matmul ${dtypeInfo(w.type).name}`, [x], [out], () => this.cpu.matmul(w, x, nTok, out));
      return;
    }
    need(`matmul ${w.name}`, `x (${nTok}, ${nIn})`, x, nTok * nIn);
    need(`matmul ${w.name}`, `out (${nTok}, ${nOut})`, out, nTok * nOut);
    if (overlap(x, nTok * nIn, out, nTok * nOut)) throw new BackendArgumentError(`matmul ${w.name}: x and out overlap`);
    const wa = this.weight(w);
    const xa = this.mirrors.read(x);
    const ya = this.mirrors.write(out);
    if (route.kind === 'gemm') {
      const { tileM, kSplit, slices } = route.plan;
      const g = gemmMmaLaunch(nTok, nOut, tileM, slices);
      // Split K: each slice writes its partial Y to a (slices, nTok, nOut) f32 workspace, which
      // the reduce pass sums in slice order (deterministic: no atomics).
      const ws = slices > 1 ? this.params.scratch('gemm_splitk_ws', slices * nTok * nOut * 4) : ya;
      this.launch(this.kernels.gemm(w.type, tileM), g.grid, g.block, { w: wa, x: xa, y: ws, n_out: nOut, n_tok: nTok, k: nIn, k_split: kSplit });
      this.counters.matmulLaunches.gemm++;
      if (slices > 1) {
        const r = gemmSplitKReduceLaunch(nTok * nOut);
        this.launch(this.kernels.gemmReduce, r.grid, r.block, { ws, y: ya, n: nTok * nOut, slices });
        this.counters.matmulLaunches.gemmReduce++;
      }
      return;
    }
    const geo = gemvLaunch(nOut);
    for (let m0 = 0; m0 < nTok; m0 += MAX_GEMV_BATCH) {
      const m = Math.min(MAX_GEMV_BATCH, nTok - m0);
      this.launch(this.kernels.gemv(w.type, m), geo.grid, geo.block, { w: wa, x: xa + m0 * nIn * 4, y: ya + m0 * nOut * 4, n_rows: nOut, k: nIn });
      this.counters.matmulLaunches.gemv++;
    }
  }

  getRows(w: Tensor, ids: ArrayLike<number>, out: Float32Array): void {
    const n = w.shape[0];
    const nIds = ids.length;
    need(`getRows ${w.name}`, `out (${nIds}, ${n})`, out, nIds * n);
    if (nIds === 0) return;
    if (this.steps.deferring) {
      // A recorded step: the rows travel in the staging copy, a kernel moves them into `out`.
      const rows = this.steps.staging.floats(nIds * n);
      if (rows) {
        this.cpu.getRows(w, ids, rows.host); // checks the ids
        const g = copyB32Launch(nIds * n);
        this.launch(this.kernels.copyB32, g.grid, g.block, { src: rows.addr, dst: this.mirrors.write(out), n: nIds * n });
        return;
      }
      this.steps.flush('staging full');
    }
    if (this.hostRows.length < nIds * n) this.hostRows = new Float32Array(nIds * n);
    const rows = this.hostRows.subarray(0, nIds * n);
    this.cpu.getRows(w, ids, rows); // checks the ids
    const at = this.mirrors.write(out);
    this.device.upload(at, rows);
    this.counters.paramUploads.add(rows.byteLength);
  }

  rmsNorm(x: Float32Array, weight: Float32Array, eps: number, nTok: number, dim: number, out: Float32Array): void {
    need('rmsNorm', 'x', x, nTok * dim);
    need('rmsNorm', 'out', out, nTok * dim);
    need('rmsNorm', 'weight', weight, dim);
    if (nTok === 0 || dim === 0) return;
    if (partlyOverlap(x, out, nTok * dim)) {
      throw new BackendArgumentError('rmsNorm: x and out overlap without being the same array');
    }
    const g = rmsNormLaunch(nTok);
    const xa = this.mirrors.read(x);
    this.launch(this.kernels.rmsNorm, g.grid, g.block, { x: xa, weight: this.vector(weight), out: this.mirrors.write(out), dim, eps: Math.fround(eps) });
  }

  rope(x: Float32Array, nTok: number, nHeads: number, headDim: number, positions: ArrayLike<number>, params: RopeParams): void {
    need('rope', `x (${nTok}, ${nHeads}, ${headDim})`, x, nTok * nHeads * headDim);
    need('rope', 'positions', positions, nTok);
    const s = ropeScalars(params, headDim); // checks nRot
    if (params.freqFactors) need('rope', 'freqFactors', params.freqFactors, s.n_rot / 2);
    if (nTok === 0 || nHeads === 0) return;
    if (s.n_rot > ROPE_MAX_ROT) {
      this.onCpu(`rope nRot ${s.n_rot}`, [x], [x], () => this.cpu.rope(x, nTok, nHeads, headDim, positions, params));
      return;
    }
    const pos = this.perToken('positions', positions, nTok);
    const ff = params.freqFactors ? this.vector(params.freqFactors) : 0;
    const g = ropeLaunch(nTok);
    this.launch(this.kernels.rope(params.mode), g.grid, g.block, {
      x: this.mirrors.write(x),
      pos,
      freq_factors: ff,
      n_heads: nHeads,
      head_dim: headDim,
      n_rot: s.n_rot,
      theta_scale: s.theta_scale,
      freq_scale: s.freq_scale,
      ext_factor: s.ext_factor,
      corr_low: s.corr_low,
      corr_span: s.corr_span,
      mscale: s.mscale,
    });
  }

  addBias(x: Float32Array, bias: Float32Array, nTok: number, n: number): void {
    need('addBias', 'x', x, nTok * n);
    need('addBias', 'bias', bias, n);
    if (nTok === 0 || n === 0) return;
    const g = addBiasLaunch(nTok, n);
    this.launch(this.kernels.addBias, g.grid, g.block, { x: this.mirrors.write(x), bias: this.vector(bias), n });
  }

  add(a: Float32Array, b: Float32Array, n: number, out: Float32Array): void {
    need('add', 'a', a, n);
    need('add', 'b', b, n);
    need('add', 'out', out, n);
    if (partlyOverlap(a, out, n) || partlyOverlap(b, out, n)) throw new BackendArgumentError('add: an input and out overlap without being the same array');
    if (n === 0) return;
    const g = addLaunch(n);
    const aa = this.mirrors.read(a);
    const ba = this.mirrors.read(b);
    this.launch(this.kernels.add, g.grid, g.block, { a: aa, b: ba, out: this.mirrors.write(out), n });
  }

  swiglu(gate: Float32Array, up: Float32Array, n: number, out: Float32Array): void {
    need('swiglu', 'gate', gate, n);
    need('swiglu', 'up', up, n);
    need('swiglu', 'out', out, n);
    if (partlyOverlap(gate, out, n) || partlyOverlap(up, out, n)) {
      throw new BackendArgumentError('swiglu: an input and out overlap without being the same array');
    }
    if (n === 0) return;
    const g = swigluLaunch(n);
    const ga = this.mirrors.read(gate);
    const ua = this.mirrors.read(up);
    this.launch(this.kernels.swiglu, g.grid, g.block, { gate: ga, up: ua, out: this.mirrors.write(out), n });
  }

  softmax(x: Float32Array, nRows: number, n: number, scale = 1): void {
    // Not on the forward path (attention has its own softmax); kept on the CPU.
    this.onCpu('softmax', [x], [x], () => this.cpu.softmax(x, nRows, n, scale));
  }

  storeKv(k: Float32Array, v: Float32Array, kCache: Float32Array, vCache: Float32Array, p: AttentionParams): void {
    checkAttention('storeKv', p, Math.min(kCache.length, vCache.length));
    const kvDim = p.nKvHeads * p.headDim;
    need('storeKv', 'k', k, p.nTok * kvDim);
    need('storeKv', 'v', v, p.nTok * kvDim);
    if (p.nTok === 0 || kvDim === 0) return;
    const n = p.nTok;
    const ka = this.mirrors.read(k);
    const va = this.mirrors.read(v);
    const kc = this.mirrors.write(kCache);
    const vc = this.mirrors.write(vCache);
    // kv_store_f32 takes a cache base and a position per row (rows of several sequences may share
    // a launch); this segment's rows all go to one cache at pos0, pos0 + 1, ...
    const pos = this.perToken('kv_pos', this.positionsFrom(p.pos0, n), n);
    const g = kvStoreLaunch(n);
    this.launch(this.kernels.kvStore, g.grid, g.block, {
      k: ka,
      v: va,
      k_ptrs: this.params.pointerTable('k_ptrs', kc, n),
      v_ptrs: this.params.pointerTable('v_ptrs', vc, n),
      layer_off: 0,
      pos,
      n_kv_heads: p.nKvHeads,
      ctx_len: p.ctxLen,
      head_dim: p.headDim,
    });
  }

  attention(q: Float32Array, kCache: Float32Array, vCache: Float32Array, out: Float32Array, p: AttentionParams): void {
    checkAttention('attention', p, Math.min(kCache.length, vCache.length));
    const qDim = p.nHeads * p.headDim;
    need('attention', 'q', q, p.nTok * qDim);
    need('attention', 'out', out, p.nTok * qDim);
    if (p.nTok === 0) return;
    if (overlap(q, p.nTok * qDim, out, p.nTok * qDim)) throw new BackendArgumentError('attention: q and out overlap');
    const group = p.nHeads / p.nKvHeads;
    if ((p.headDim !== 64 && p.headDim !== 128) || group > MAX_GQA_GROUP) {
      this.onCpu(`attention headDim ${p.headDim} group ${group}`, [q, kCache, vCache], [out], () => this.cpu.attention(q, kCache, vCache, out, p));
      return;
    }
    const n = p.nTok;
    const hd = p.headDim as AttentionHeadDim;
    const kc = this.mirrors.read(kCache);
    const vc = this.mirrors.read(vCache);
    const qa = this.mirrors.read(q);
    const oa = this.mirrors.write(out);
    const scale = Math.fround(p.scale);
    if (n > 1) {
      // A prompt segment: the prefill kernel (K/V tiles in shared memory shared by 8 queries).
      const g = attentionPrefillLaunch(n, p.nHeads, p.nKvHeads);
      this.launch(this.kernels.attentionPrefill(hd), g.grid, g.block, {
        q: qa,
        k_cache: kc,
        v_cache: vc,
        out: oa,
        n_tok: n,
        n_kv_heads: p.nKvHeads,
        ctx_len: p.ctxLen,
        pos0: p.pos0,
        scale,
      });
      return;
    }
    // One decode token: the decode kernel (one warp per query head of a GQA group).
    this.one[0] = p.pos0 + 1;
    const lens = this.perToken('kv_len', this.one, 1);
    const args = {
      q: qa,
      k_ptrs: this.params.pointerTable('k_ptrs', kc, 1),
      v_ptrs: this.params.pointerTable('v_ptrs', vc, 1),
      layer_off: 0,
      kv_len: lens,
      ctx_len: p.ctxLen,
      scale,
    };
    // Long contexts with few KV heads leave most SMs idle in the one-pass kernel: split the
    // positions (flash-decoding) when that gives more than one chunk of at least splitMinChunk
    // positions. The plan follows the context's power-of-two bucket, not its length, so every
    // step of a bucket launches the same grid (one graph); splits past the length exit at once.
    const plan = decodeSplitPlan(p.pos0 + 1, p.ctxLen, p.nHeads, p.nKvHeads, p.headDim, this.device.multiprocessors, this.splitMinChunk);
    if (plan.nSplits > 1) {
      const k = this.kernels.attentionSplit(hd);
      const part = this.params.scratch('attention_part', plan.partBytes);
      this.launch(k.partial, plan.partial.grid, plan.partial.block, { ...args, out: part, chunk: plan.chunk });
      this.launch(k.reduce, plan.reduce.grid, plan.reduce.block, { part, kv_len: lens, out: oa, chunk: plan.chunk, n_splits: plan.nSplits });
      return;
    }
    const g = attentionDecodeLaunch(1, p.nHeads, p.nKvHeads);
    this.launch(this.kernels.attentionDecode(hd), g.grid, g.block, { ...args, out: oa, chunk: 0 });
  }

  argmax(x: Float32Array, n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new BackendArgumentError(`argmax: n must be a positive integer, got ${n}`);
    need('argmax', 'x', x, n);
    const m = this.mirrors.find(x);
    // Only a result whose host copy is stale is reduced on the device (a launch and a 4-byte read
    // instead of a copy of the row); current host data is reduced on the host.
    if (!m || m.state !== 'device') return this.cpu.argmax(x, n);
    const g = argmaxLaunch(n);
    const part = this.params.scratch('argmax_part', g.partBytes);
    const res = this.params.scratch('argmax_out', 4);
    this.launch(this.kernels.argmaxPartial, g.partial.grid, g.partial.block, { x: this.mirrors.read(x), part, n, chunk: g.chunk });
    this.launch(this.kernels.argmaxReduce, g.reduce.grid, g.reduce.block, { part, out: res, n_parts: g.nParts });
    this.steps.close(); // a recorded step ends at its greedy token: replay it, then read the index
    this.device.download(this.one, res);
    this.counters.argmaxReads.add(4);
    return this.one[0];
  }

  copyWithin(x: Float32Array, dst: number, src: number, n: number): void {
    checkCopyWithin(x, dst, src, n);
    if (n === 0 || dst === src) return;
    this.steps.flush('copyWithin'); // a synchronous device copy cannot be recorded
    const a = this.mirrors.write(x);
    this.device.copy(a + dst * 4, a + src * 4, n * 4);
  }

  /** Frees the device memory this backend holds and the device itself. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.mirrors.dispose();
    this.steps.dispose();
    this.params.dispose();
    this.device.dispose();
  }

  // --- helpers ---------------------------------------------------------------------------------

  private launch(kernel: Kernel, grid: readonly [number, number, number], block: readonly [number, number, number], params: Record<string, number>): void {
    if (this.steps.deferring) {
      this.steps.add({ kernel, grid, block, params });
      return;
    }
    this.device.launch({ kernel, grid, block, params });
    this.counters.launches++;
  }

  /** Device address of a per-call input: in the step's staging area while recording, else in a shadowed slot. */
  private perToken(slot: string, values: ArrayLike<number>, n: number): DeviceAddress {
    if (this.steps.deferring) {
      const at = this.steps.staging.u32s(values, n);
      if (at !== undefined) return at;
      this.steps.flush('staging full');
    }
    return this.params.u32s(slot, values, n);
  }

  /** Runs `fn` on the CPU backend with `reads` and `writes` current on the host, then marks `writes` host-newer. */
  private onCpu(what: string, reads: readonly Float32Array[], writes: readonly Float32Array[], fn: () => void): void {
    this.counters.fallback(what);
    this.steps.flush(`fallback ${what}`, true); // the op needs host data mid-step, every step

    for (const r of reads) this.mirrors.toHost(r, true);
    for (const w of writes) this.mirrors.toHost(w, true); // ops write a prefix: the rest must stay
    fn();
    for (const w of writes) this.mirrors.hostWrote(w);
  }

  /** `pos0 .. pos0 + n - 1` in the backend's grow-only u32 buffer. */
  private positionsFrom(pos0: number, n: number): Uint32Array {
    if (this.u32.length < n) this.u32 = new Uint32Array(Math.max(n, 2 * this.u32.length));
    for (let t = 0; t < n; t++) this.u32[t] = pos0 + t;
    return this.u32;
  }

  private weight(w: Tensor): DeviceAddress {
    let a = this.weights.get(w);
    if (a === undefined) {
      a = this.device.alloc(w.data.byteLength);
      this.device.upload(a, w.data);
      this.counters.weightUploads.add(w.data.byteLength);
      this.weights.set(w, a);
      this.freeWithHost.register(w, a);
    }
    return a;
  }

  private vector(v: Float32Array): DeviceAddress {
    let a = this.vectors.get(v);
    if (a === undefined) {
      a = this.device.alloc(Math.max(v.byteLength, 4));
      this.device.upload(a, v);
      this.counters.weightUploads.add(v.byteLength);
      this.vectors.set(v, a);
      this.freeWithHost.register(v, a, v);
    }
    return a;
  }
}
