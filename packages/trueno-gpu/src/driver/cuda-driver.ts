/**
 * An initialized CUDA driver: its version, its devices and what they can do, and the contexts
 * created on them. Made by {@link loadCudaDriver}; one per libcuda path and process.
 */
import { CudaContext } from './cuda-context.js';
import { CudaUsageError, cudaCall, toCudaError } from './cuda-error.js';
import type { NativeCudaLibrary } from './native-binding.js';
import { formatDriverVersion } from './ptx-header.js';

/** `CUdevice_attribute` values read for {@link CudaDeviceInfo} (cuda.h). */
export const CU_DEVICE_ATTRIBUTE = {
  MAX_THREADS_PER_BLOCK: 1,
  MAX_SHARED_MEMORY_PER_BLOCK: 8,
  WARP_SIZE: 10,
  CLOCK_RATE: 13,
  MULTIPROCESSOR_COUNT: 16,
  MEMORY_CLOCK_RATE: 36,
  GLOBAL_MEMORY_BUS_WIDTH: 37,
  L2_CACHE_SIZE: 38,
  COMPUTE_CAPABILITY_MAJOR: 75,
  COMPUTE_CAPABILITY_MINOR: 76,
  MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: 97,
} as const;

/** One GPU as the driver describes it. */
export interface CudaDeviceInfo {
  readonly ordinal: number;
  readonly name: string;
  /** Compute capability, e.g. `{ major: 8, minor: 9 }`. */
  readonly computeCapability: { readonly major: number; readonly minor: number };
  /** The PTX target it runs natively, e.g. `sm_89` (= 10·major + minor). */
  readonly sm: string;
  readonly multiprocessors: number;
  /** Total device memory in bytes. */
  readonly memoryBytes: number;
  /** SM clock, kHz (0 where the driver no longer reports it). */
  readonly clockKHz: number;
  /** Peak memory clock, kHz (0 where unreported). */
  readonly memoryClockKHz: number;
  readonly memoryBusWidthBits: number;
  readonly l2CacheBytes: number;
  readonly maxThreadsPerBlock: number;
  readonly warpSize: number;
  /** Static shared memory per block without opting in (48 KiB on every GPU since Kepler). */
  readonly sharedBytesPerBlock: number;
  /** The most dynamic shared memory a kernel may opt in to (cuFuncSetAttribute). */
  readonly sharedBytesPerBlockOptin: number;
  /**
   * Peak DRAM bandwidth in bytes/s, estimated as 2 (DDR) × memory clock × bus width / 8; 0 when
   * the clock or width is unreported. The roofline's denominator for decode.
   */
  readonly bandwidthBytesPerSec: number;
}

/** Optional driver features, by whether their entry points resolved. */
export interface CudaDriverFeatures {
  /** Stream capture and CUDA graphs (cuStreamBeginCapture_v2 … cuGraphLaunch). */
  readonly graphs: boolean;
  /** Page-locked host memory (cuMemAllocHost_v2 / cuMemFreeHost). */
  readonly pinnedHost: boolean;
  /** Optional entry points the library does not export. */
  readonly missing: readonly string[];
}

/** The CUDA driver: devices and contexts. */
export class CudaDriver {
  /** The libcuda that was loaded. */
  readonly libraryPath: string;
  /** cuDriverGetVersion: the newest CUDA version the driver supports, e.g. 12040 = 12.4. */
  readonly version: number;
  readonly features: CudaDriverFeatures;
  readonly #lib: NativeCudaLibrary;
  readonly #contexts = new Set<CudaContext>();
  #devices?: CudaDeviceInfo[];

  /** Wraps an addon library on which cuInit already succeeded (see loadCudaDriver). */
  constructor(lib: NativeCudaLibrary) {
    this.#lib = lib;
    const info = lib.info();
    this.libraryPath = info.path;
    this.features = { graphs: info.graphs, pinnedHost: info.pinnedHost, missing: info.missing };
    this.version = cudaCall('reading the CUDA driver version', () => lib.driverVersion());
  }

  /** `12.4` for version 12040. */
  get versionString(): string {
    return formatDriverVersion(this.version);
  }

  /** Number of CUDA devices visible to this process (after CUDA_VISIBLE_DEVICES). */
  deviceCount(): number {
    return cudaCall('counting CUDA devices', () => this.#lib.deviceCount());
  }

  /** Every visible device, described (read once, then cached). */
  devices(): readonly CudaDeviceInfo[] {
    if (!this.#devices) {
      const n = this.deviceCount();
      this.#devices = Array.from({ length: n }, (_, i) => this.#describe(i));
    }
    return this.#devices;
  }

  /** Device `ordinal`; throws CudaUsageError naming the visible count when out of range. */
  device(ordinal = 0): CudaDeviceInfo {
    const all = this.devices();
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= all.length) {
      throw new CudaUsageError(`CUDA device ${ordinal} does not exist: ${all.length} device(s) visible (ordinals 0..${all.length - 1})`);
    }
    return all[ordinal];
  }

  /** A context on device `ordinal` (its primary context, retained until {@link CudaContext.dispose}). */
  createContext(ordinal = 0): CudaContext {
    const info = this.device(ordinal);
    const ctx = new CudaContext(this.#lib, this, info, () => this.#contexts.delete(ctx));
    this.#contexts.add(ctx);
    return ctx;
  }

  /** Contexts created and not yet disposed. */
  get contexts(): readonly CudaContext[] {
    return [...this.#contexts];
  }

  /** Disposes every context (their buffers, modules, streams and graphs). */
  dispose(): void {
    for (const c of [...this.#contexts]) c.dispose();
  }

  #describe(ordinal: number): CudaDeviceInfo {
    const lib = this.#lib;
    const dev = cudaCall(`opening CUDA device ${ordinal}`, () => lib.device(ordinal));
    const attr = (a: number, fallback?: number) => {
      try {
        return lib.deviceAttribute(dev, a);
      } catch (e) {
        if (fallback !== undefined) return fallback; // deprecated attributes (clocks) may be gone
        throw toCudaError(e, `reading attribute ${a} of CUDA device ${ordinal}`);
      }
    };
    const major = attr(CU_DEVICE_ATTRIBUTE.COMPUTE_CAPABILITY_MAJOR);
    const minor = attr(CU_DEVICE_ATTRIBUTE.COMPUTE_CAPABILITY_MINOR);
    const memoryClockKHz = attr(CU_DEVICE_ATTRIBUTE.MEMORY_CLOCK_RATE, 0);
    const memoryBusWidthBits = attr(CU_DEVICE_ATTRIBUTE.GLOBAL_MEMORY_BUS_WIDTH, 0);
    return {
      ordinal,
      name: cudaCall(`reading the name of CUDA device ${ordinal}`, () => lib.deviceName(dev)),
      computeCapability: { major, minor },
      sm: `sm_${major * 10 + minor}`,
      multiprocessors: attr(CU_DEVICE_ATTRIBUTE.MULTIPROCESSOR_COUNT),
      memoryBytes: cudaCall(`reading the memory size of CUDA device ${ordinal}`, () => lib.deviceTotalMem(dev)),
      clockKHz: attr(CU_DEVICE_ATTRIBUTE.CLOCK_RATE, 0),
      memoryClockKHz,
      memoryBusWidthBits,
      l2CacheBytes: attr(CU_DEVICE_ATTRIBUTE.L2_CACHE_SIZE, 0),
      maxThreadsPerBlock: attr(CU_DEVICE_ATTRIBUTE.MAX_THREADS_PER_BLOCK),
      warpSize: attr(CU_DEVICE_ATTRIBUTE.WARP_SIZE),
      sharedBytesPerBlock: attr(CU_DEVICE_ATTRIBUTE.MAX_SHARED_MEMORY_PER_BLOCK),
      sharedBytesPerBlockOptin: attr(CU_DEVICE_ATTRIBUTE.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 0),
      bandwidthBytesPerSec: bandwidthEstimate(memoryClockKHz, memoryBusWidthBits),
    };
  }
}

/**
 * Peak DRAM bandwidth from the memory clock (kHz) and bus width (bits): two transfers per clock
 * (the driver reports GDDR/HBM clocks so that DDR doubling gives the datasheet figure, e.g. an
 * H100 SXM's 2619 MHz × 5120 bits → 3.35 TB/s).
 */
export function bandwidthEstimate(memoryClockKHz: number, busWidthBits: number): number {
  return 2 * memoryClockKHz * 1000 * (busWidthBits / 8);
}
