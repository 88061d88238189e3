/**
 * The CUDA GPU as `apr info` reports it: the driver version and each device, or why CUDA is
 * unavailable (trueno-gpu's loader reason, e.g. `no CUDA driver: libcuda.so.1: cannot open
 * shared object file …`). Field names are part of `apr info --json`'s stable interface.
 */
import { formatBytes, loadCudaDriver } from '@sovereign/trueno-gpu';

/** One CUDA device in {@link GpuInfo}. */
export interface GpuDeviceSummary {
  readonly ordinal: number;
  readonly name: string;
  /** Compute capability, e.g. `8.9`. */
  readonly computeCapability: string;
  /** PTX target, e.g. `sm_89`. */
  readonly sm: string;
  readonly multiprocessors: number;
  readonly memoryBytes: number;
  /** Estimated peak DRAM bandwidth, GB/s (2 × memory clock × bus width / 8); 0 when unreported. */
  readonly bandwidthGBs: number;
}

/** The `gpu` field of `apr info --json`. */
export interface GpuInfo {
  readonly available: boolean;
  /** Why CUDA is unavailable, or a one-line summary of what was found. */
  readonly reason: string;
  /** CUDA version the driver supports, e.g. `12.4`. */
  readonly driverVersion?: string;
  /** The libcuda that loaded. */
  readonly library?: string;
  /** Whether the driver has CUDA graphs (stream capture). */
  readonly graphs?: boolean;
  readonly devices?: readonly GpuDeviceSummary[];
}

/** Probes the CUDA driver (cached by trueno-gpu's loader); never throws. */
export function gpuInfo(): GpuInfo {
  const r = loadCudaDriver();
  if (!r.driver) return { available: false, reason: r.reason };
  try {
    const devices = r.driver.devices().map((d) => ({
      ordinal: d.ordinal,
      name: d.name,
      computeCapability: `${d.computeCapability.major}.${d.computeCapability.minor}`,
      sm: d.sm,
      multiprocessors: d.multiprocessors,
      memoryBytes: d.memoryBytes,
      bandwidthGBs: Math.round(d.bandwidthBytesPerSec / 1e8) / 10,
    }));
    return {
      available: true,
      reason: `${devices.length} CUDA device(s), ${devices.map((d) => `${d.name} ${formatBytes(d.memoryBytes)}`).join(', ')}`,
      driverVersion: r.driver.versionString,
      library: r.driver.libraryPath,
      graphs: r.driver.features.graphs,
      devices,
    };
  } catch (e) {
    return { available: false, reason: `CUDA driver loaded but describing its devices failed: ${(e as Error).message}` };
  }
}
