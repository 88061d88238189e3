/**
 * Typed errors of the CUDA driver binding. A failing `CUresult` becomes a {@link CudaError}
 * subclass chosen by its code, whose message names the driver call, the CUDA error and what to do
 * about it; misuse caught before reaching the driver (a disposed buffer, a bad kernel argument)
 * is a {@link CudaUsageError}.
 */

/** `CUresult` values the binding names or reacts to (cuda.h; stable across driver versions). */
export const CUDA_ERROR_NAMES: Readonly<Record<number, string>> = {
  0: 'CUDA_SUCCESS',
  1: 'CUDA_ERROR_INVALID_VALUE',
  2: 'CUDA_ERROR_OUT_OF_MEMORY',
  3: 'CUDA_ERROR_NOT_INITIALIZED',
  4: 'CUDA_ERROR_DEINITIALIZED',
  35: 'CUDA_ERROR_INSUFFICIENT_DRIVER',
  46: 'CUDA_ERROR_DEVICE_UNAVAILABLE',
  100: 'CUDA_ERROR_NO_DEVICE',
  101: 'CUDA_ERROR_INVALID_DEVICE',
  200: 'CUDA_ERROR_INVALID_IMAGE',
  201: 'CUDA_ERROR_INVALID_CONTEXT',
  209: 'CUDA_ERROR_NO_BINARY_FOR_GPU',
  218: 'CUDA_ERROR_INVALID_PTX',
  221: 'CUDA_ERROR_JIT_COMPILER_NOT_FOUND',
  222: 'CUDA_ERROR_UNSUPPORTED_PTX_VERSION',
  300: 'CUDA_ERROR_INVALID_SOURCE',
  400: 'CUDA_ERROR_INVALID_HANDLE',
  401: 'CUDA_ERROR_ILLEGAL_STATE',
  500: 'CUDA_ERROR_NOT_FOUND',
  600: 'CUDA_ERROR_NOT_READY',
  700: 'CUDA_ERROR_ILLEGAL_ADDRESS',
  701: 'CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES',
  702: 'CUDA_ERROR_LAUNCH_TIMEOUT',
  714: 'CUDA_ERROR_HARDWARE_STACK_ERROR',
  715: 'CUDA_ERROR_ILLEGAL_INSTRUCTION',
  716: 'CUDA_ERROR_MISALIGNED_ADDRESS',
  717: 'CUDA_ERROR_INVALID_ADDRESS_SPACE',
  718: 'CUDA_ERROR_INVALID_PC',
  719: 'CUDA_ERROR_LAUNCH_FAILED',
  801: 'CUDA_ERROR_NOT_SUPPORTED',
  803: 'CUDA_ERROR_SYSTEM_DRIVER_MISMATCH',
  804: 'CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE',
  900: 'CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED',
  901: 'CUDA_ERROR_STREAM_CAPTURE_INVALIDATED',
  903: 'CUDA_ERROR_STREAM_CAPTURE_UNMATCHED',
  904: 'CUDA_ERROR_STREAM_CAPTURE_UNJOINED',
  905: 'CUDA_ERROR_STREAM_CAPTURE_ISOLATION',
  906: 'CUDA_ERROR_STREAM_CAPTURE_IMPLICIT',
  908: 'CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD',
  999: 'CUDA_ERROR_UNKNOWN',
};

/** Fields every {@link CudaError} carries. */
export interface CudaErrorInfo {
  /** The `CUresult` number. */
  readonly code: number;
  /** Its cuda.h name, e.g. `CUDA_ERROR_OUT_OF_MEMORY`. */
  readonly name: string;
  /** The driver entry point that returned it, e.g. `cuMemAlloc_v2`. */
  readonly call: string;
  /** The driver's own one-line description (cuGetErrorString), when it gave one. */
  readonly description?: string;
}

/**
 * A driver call failed. `name` is the CUDA error's name (not the class name), so a stack trace
 * reads `CUDA_ERROR_OUT_OF_MEMORY: allocating 2.0 GiB …`.
 */
export class CudaError extends Error {
  readonly code: number;
  override readonly name: string;
  readonly call: string;
  readonly description?: string;
  constructor(message: string, info: CudaErrorInfo) {
    super(message);
    this.code = info.code;
    this.name = info.name;
    this.call = info.call;
    this.description = info.description;
  }
}

/** CUDA_ERROR_OUT_OF_MEMORY: the device (or pinned host memory) is full. */
export class CudaOutOfMemoryError extends CudaError {}

/** The JIT rejected a PTX module; `log` is the ptxas error log (line numbers refer to the PTX text). */
export class CudaJitError extends CudaError {
  readonly log: string;
  constructor(message: string, info: CudaErrorInfo, log: string) {
    super(message, info);
    this.log = log;
  }
}

/** A kernel faulted or could not start (illegal address, too many resources, timeout, …). */
export class CudaLaunchError extends CudaError {}

/** The driver is not usable: not initialized, no device, driver/library mismatch. */
export class CudaNotInitializedError extends CudaError {}

/** The driver lacks a feature (an entry point of a newer CUDA, e.g. graphs). */
export class CudaNotSupportedError extends CudaError {}

/** Stream capture was misused or invalidated (a synchronous call while capturing, …). */
export class CudaCaptureError extends CudaError {}

/** The binding was misused before any driver call: disposed object, bad argument, out of range. */
export class CudaUsageError extends Error {
  override readonly name = 'CudaUsageError';
}

const JIT = new Set([200, 209, 218, 221, 222, 300]);
const LAUNCH = new Set([700, 701, 702, 714, 715, 716, 717, 718, 719]);
const NOT_INITIALIZED = new Set([3, 4, 35, 46, 100, 101, 201, 803, 804]);

/** The cuda.h name of `code`, or `CUresult <code>` for one this table does not know. */
export function cudaErrorName(code: number): string {
  return CUDA_ERROR_NAMES[code] ?? `CUresult ${code}`;
}

/** What the user can do about `code` (appended to messages), or '' when nothing general applies. */
function hint(code: number): string {
  if (code === 2) return 'free device buffers or use a smaller model, context or batch';
  if (code === 3 || code === 4) return 'the driver was not initialized in this process (a bug in the caller: call init first)';
  if (code === 35 || code === 803) return 'the NVIDIA kernel driver and libcuda.so.1 do not match: update or reinstall the NVIDIA driver';
  if (code === 100) return 'no CUDA-capable GPU is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)';
  if (code === 46) return 'the GPU is busy or in exclusive-process mode (check nvidia-smi)';
  if (code === 701) return 'too many registers or too much shared memory per block: launch fewer threads per block';
  if (code === 702) return 'the kernel ran past the display watchdog: use a GPU without a display or shorter kernels';
  if (LAUNCH.has(code)) return 'a kernel faulted: the context is unusable now; check kernel arguments and buffer sizes (run with compute-sanitizer)';
  if (code >= 900 && code <= 908) return 'no synchronous CUDA call (sync copy, alloc, synchronize) may run while a stream is being captured';
  return '';
}

/** The fields the addon attaches to an Error thrown for a failing `CUresult`. */
interface NativeCudaFailure {
  readonly cuCode?: number;
  readonly cuName?: string;
  readonly cuString?: string;
  readonly cuCall?: string;
  readonly jitLog?: string;
}

/**
 * Converts what the addon threw into a typed error: `what` says what the caller was doing (it
 * starts the message), `fix` overrides the generic advice. Errors that are not driver failures
 * (argument TypeErrors from the glue) are returned unchanged.
 */
export function toCudaError(e: unknown, what: string, fix?: string): Error {
  if (!(e instanceof Error)) return new Error(`${what}: ${String(e)}`);
  const f = e as Error & NativeCudaFailure;
  if (typeof f.cuCode !== 'number') return e;
  const info: CudaErrorInfo = { code: f.cuCode, name: f.cuName ?? cudaErrorName(f.cuCode), call: f.cuCall ?? 'cuda', description: f.cuString };
  const advice = fix ?? hint(info.code);
  const base = `${what}: ${info.call} returned ${info.name}${info.description ? ` (${info.description})` : ''}${advice ? `; ${advice}` : ''}`;
  if (JIT.has(info.code) || f.jitLog) {
    const log = (f.jitLog ?? '').trim();
    return new CudaJitError(log ? `${base}\nJIT log:\n${log}` : base, info, log);
  }
  if (info.code === 2) return new CudaOutOfMemoryError(base, info);
  if (LAUNCH.has(info.code)) return new CudaLaunchError(base, info);
  if (NOT_INITIALIZED.has(info.code)) return new CudaNotInitializedError(base, info);
  if (info.code === 801) return new CudaNotSupportedError(base, info);
  if (info.code >= 900 && info.code <= 908) return new CudaCaptureError(base, info);
  return new CudaError(base, info);
}

/** Runs one addon call, rethrowing a driver failure as a typed error that begins with `what`. */
export function cudaCall<T>(what: string | (() => string), fn: () => T, fix?: string): T {
  try {
    return fn();
  } catch (e) {
    throw toCudaError(e, typeof what === 'function' ? what() : what, fix);
  }
}
