/**
 * The shape of the compiled addon (`native/napi/addon.cpp`), as the TypeScript side sees it.
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
}

/** Thrown when the native backend is created while the addon cannot be loaded. */
export class NativeUnavailableError extends Error {
  override name = 'NativeUnavailableError';
}
