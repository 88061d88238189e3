/**
 * The shape of the compiled addon (`native/napi/addon.cpp` and `ops-glue.cpp`), as the TypeScript side sees it.
 * Only {@link loadNative} obtains one; everything else goes through {@link NativeBackend}.
 */

/** What the addon reports about itself. */
export interface NativeAddonInfo {
  /** Kernel set in use: `avx512`, `avx2` or `generic`. */
  readonly isa: string;
  /** Kernel sets this CPU can run, best first. */
  readonly isas: readonly string[];
  /** Threads of the pool, the calling thread included. */
  readonly threads: number;
  /** Physical cores of the CPUs this process may run on (the default thread count). */
  readonly physicalCores: number;
  /** ggml type ids with native matmul kernels. */
  readonly types: readonly number[];
  /** Bytes of activation scratch the addon holds (grow-only). */
  readonly scratchBytes: number;
  /**
   * Whether Q8_0/Q4_0/Q5_0 matmuls of at least {@link amxMinTokens} tokens (prefill) run on AMX
   * int8 tiles: needs the avx512 kernel set, a CPU with AMX-INT8, the OS's permission, and no
   * `TRUENO_AMX=0`.
   */
  readonly amx: boolean;
  /** Why AMX is not used; absent when {@link amx} is true. */
  readonly amxReason?: string;
  /** Token count from which AMX is used (`TRUENO_AMX_MIN_TOKENS` overrides; re-read on setIsa). */
  readonly amxMinTokens: number;
  /** ggml type ids with a native getRows (dequantizing row lookup). */
  readonly getRowsTypes: readonly number[];
  /** Bytes of attention scratch the addon holds (grow-only: one score row per thread). */
  readonly opsScratchBytes: number;
  /** Compiler that built the addon. */
  readonly compiler: string;
}

/** Activation formats the addon can quantize to (for tests of byte-exactness). */
export type NativeActFormat = 'q8_0' | 'q8_1' | 'q8_K' | 'f16' | 'bf16';

/** The functions the addon exports. All throw TypeError/RangeError on bad arguments. */
export interface NativeAddon {
  info(): NativeAddonInfo;
  /** Resizes the thread pool (n ≥ 1, the caller counts as one); returns the new size. */
  setThreads(n: number): number;
  /** Switches to a supported kernel set; false (and no change) when this CPU cannot run it. */
  setIsa(isa: string): boolean;
  /** How long idle pool threads spin for the next job before sleeping (default 1000 µs). */
  setSpinMicros(us: number): void;
  /**
   * `out (nTok, nOut) = x (nTok, nIn) · Wᵀ` for weight bytes `w` of ggml type `type` (nOut rows of
   * nIn values). Activations are quantized to the type's vec_dot format natively.
   */
  matmul(w: Uint8Array, type: number, nIn: number, nOut: number, x: Float32Array, nTok: number, out: Float32Array): void;
  /** Quantizes `x` (whole blocks) into `y` with the current kernel set's activation quantizer. */
  quantizeRow(format: NativeActFormat, x: Float32Array, y: Uint8Array): void;

  // The other bricks (Backend in backend/backend.ts defines their semantics). Sizes are positive
  // integers unless noted; buffers may be longer than the sizes need. Element-wise outputs may be
  // the input array itself but must not otherwise overlap it.

  /** `out (nTok, dim) = rmsnorm(x) * weight`; out may be x. */
  rmsNorm(x: Float32Array, weight: Float32Array, eps: number, nTok: number, dim: number, out: Float32Array): void;
  /**
   * In place: RoPE of `x (nTok, nHeads, headDim)` at `positions[t]`, with RopeParams' fields
   * spelled out (defaults applied by the caller; nCtxOrig 0 when YaRN is off; freqFactors null when absent).
   */
  rope(
    x: Float32Array,
    nTok: number,
    nHeads: number,
    headDim: number,
    positions: Int32Array,
    neox: boolean,
    nRot: number,
    freqBase: number,
    freqScale: number,
    extFactor: number,
    attnFactor: number,
    betaFast: number,
    betaSlow: number,
    nCtxOrig: number,
    freqFactors: Float32Array | null,
  ): void;
  /** In place: `x (nTok, n) += bias (n)`. */
  addBias(x: Float32Array, bias: Float32Array, nTok: number, n: number): void;
  /** `out[i] = a[i] + b[i]`, i < n (n ≥ 0). */
  add(a: Float32Array, b: Float32Array, n: number, out: Float32Array): void;
  /** `out[i] = silu(gate[i]) * up[i]`, i < n (n ≥ 0). */
  swiglu(gate: Float32Array, up: Float32Array, n: number, out: Float32Array): void;
  /** In place, per row of `x (nRows, n)`: softmax(scale · row) (nRows ≥ 0). */
  softmax(x: Float32Array, nRows: number, n: number, scale: number): void;
  /** Copies `k, v (nTok, nKvHeads · headDim)` into the caches `(nKvHeads, ctxLen, headDim)` at pos0.. (pos0 ≥ 0). */
  storeKv(
    k: Float32Array,
    v: Float32Array,
    kCache: Float32Array,
    vCache: Float32Array,
    nTok: number,
    nKvHeads: number,
    headDim: number,
    ctxLen: number,
    pos0: number,
  ): void;
  /** Causal GQA attention, `out (nTok, nHeads · headDim)`, on the thread pool. */
  attention(
    q: Float32Array,
    kCache: Float32Array,
    vCache: Float32Array,
    out: Float32Array,
    nTok: number,
    nHeads: number,
    nKvHeads: number,
    headDim: number,
    ctxLen: number,
    pos0: number,
    scale: number,
  ): void;
  /** `out (nIds, n)` = dequantized rows `ids[0..nIds)` of `w` (nRows rows of n values of ggml type `type`). */
  getRows(w: Uint8Array, type: number, n: number, nRows: number, ids: Int32Array, nIds: number, out: Float32Array): void;
  /** Index of the first maximum of `x[0..n)` (NaN never wins). */
  argmax(x: Float32Array, n: number): number;
}

/** Thrown when the native backend is created while the addon cannot be loaded. */
export class NativeUnavailableError extends Error {
  override name = 'NativeUnavailableError';
}
