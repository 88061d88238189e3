/**
 * Finds the CUDA driver at run time. Never throws: the result is an initialized
 * {@link CudaDriver}, or `null` with the reason — the addon was not built (and why), the NVIDIA
 * driver is not installed (the dlopen error), the library lacks an entry point, cuInit failed, or
 * there is no device — which `apr info` prints.
 *
 * Environment (read at every call that is not cached):
 * - `TRUENO_CUDA=0` (or `off`, `false`): do not load the driver.
 * - `TRUENO_CUDA_LIB`: the libcuda to dlopen instead of `libcuda.so.1` (tests point it at a fake).
 * - `TRUENO_GPU_NATIVE_PATH`: the addon `.node` file instead of the package's build.
 */
import { CudaDriver } from './cuda-driver.js';
import { toCudaError } from './cuda-error.js';
import { loadNativeCudaAddon } from './native-binding.js';

/** The result of {@link loadCudaDriver}. */
export type CudaDriverLoadResult = { readonly driver: CudaDriver } | { readonly driver: null; readonly reason: string };

/** Options of {@link loadCudaDriver}. */
export interface LoadCudaDriverOptions {
  /** The libcuda to open (default: `TRUENO_CUDA_LIB`, else `libcuda.so.1` through the loader's search path). */
  readonly libraryPath?: string;
  /** Load again instead of returning the cached result for this path (after changing the environment). */
  readonly reload?: boolean;
}

const DEFAULT_LIBRARY = 'libcuda.so.1';
const cache = new Map<string, CudaDriverLoadResult>();

function load(path: string): CudaDriverLoadResult {
  const flag = process.env.TRUENO_CUDA?.toLowerCase();
  if (flag === '0' || flag === 'off' || flag === 'false') return { driver: null, reason: `disabled by TRUENO_CUDA=${process.env.TRUENO_CUDA}` };
  const native = loadNativeCudaAddon();
  if (!native.addon) return { driver: null, reason: native.reason };
  let lib;
  try {
    lib = new native.addon.CudaLibrary(path);
  } catch (e) {
    return { driver: null, reason: `no CUDA driver: ${(e as Error).message}` };
  }
  try {
    lib.init();
  } catch (e) {
    return { driver: null, reason: `CUDA driver ${path} did not initialize: ${toCudaError(e, 'cuInit').message}` };
  }
  const driver = new CudaDriver(lib);
  const n = driver.deviceCount();
  if (n === 0) return { driver: null, reason: `no CUDA device: the driver (CUDA ${driver.versionString}) sees none` };
  return { driver };
}

/**
 * The CUDA driver from `opts.libraryPath`, `TRUENO_CUDA_LIB` or `libcuda.so.1`, initialized, with
 * at least one device; or `null` and why. Cached per library path; never throws.
 */
export function loadCudaDriver(opts: LoadCudaDriverOptions = {}): CudaDriverLoadResult {
  const path = opts.libraryPath ?? (process.env.TRUENO_CUDA_LIB || DEFAULT_LIBRARY);
  let r = opts.reload ? undefined : cache.get(path);
  if (!r) {
    try {
      r = load(path);
    } catch (e) {
      r = { driver: null, reason: `CUDA driver loader failed: ${(e as Error).message}` };
    }
    cache.set(path, r);
  }
  return r;
}
