/**
 * The device a {@link GpuBackend} runs on: device memory, copies and kernel launches, with two
 * implementations that take the same kernel IR from the PTX builder — {@link CudaDevice} (the
 * CUDA driver: the IR is emitted as PTX for the device's SM and JIT-loaded once per kernel) and
 * {@link EmuDevice} (the PTX emulator over one flat memory: the same launches run on the CPU, so
 * the whole backend is testable without a GPU).
 *
 * Addresses are plain numbers: CUDA's 64-bit device addresses are below 2^48 on every current
 * GPU (exact in a JS number); the emulator's are byte offsets into its memory.
 */
import type { Kernel, SmTarget } from '../ptx/kernel.js';

/** A device address (bytes). */
export type DeviceAddress = number;

/** One kernel launch: the builder's IR, geometry and parameter values by name (addresses as numbers). */
export interface DeviceLaunch {
  readonly kernel: Kernel;
  readonly grid: readonly [number, number, number];
  readonly block: readonly [number, number, number];
  readonly params: Readonly<Record<string, number>>;
  /** Dynamic shared memory (the kernels here use static shared arrays only). Default 0. */
  readonly sharedBytes?: number;
}

/**
 * Host and device memory of one size for a step's per-token inputs: JS writes `host`, one copy
 * moves it to `addr` (pinned host memory on CUDA, so the copy is asynchronous and capturable).
 */
export interface DeviceStaging {
  readonly host: Uint8Array;
  readonly addr: DeviceAddress;
  readonly bytes: number;
}

/**
 * A recorded step (see step-graphs.ts): the copy of `staging.host[0, stagingBytes)` to the device,
 * then the launches, replayed by one call. Replays read the host staging and device memory as
 * they are at replay time; the launches' parameters are the recorded values.
 */
export interface DeviceGraph {
  /** Nodes: the staging copy plus the launches. */
  readonly nodes: number;
  launch(): void;
  dispose(): void;
}

/** Device memory, copies and launches (see the module comment). Calls are ordered as issued. */
export interface GpuDevice {
  /** `cuda` or `emu`. */
  readonly kind: 'cuda' | 'emu';
  /** One line: which device. */
  readonly description: string;
  /** The PTX target the kernels are built for. */
  readonly sm: SmTarget;
  /** Multiprocessors (sizes split-K work); the emulator reports a nominal count. */
  readonly multiprocessors: number;
  /** `bytes` of device memory, 256-byte aligned, contents unspecified. */
  alloc(bytes: number): DeviceAddress;
  free(addr: DeviceAddress): void;
  /** Copies `src` (all of its bytes) to `dst`. */
  upload(dst: DeviceAddress, src: ArrayBufferView): void;
  /** Fills `dst` (all of its bytes) from `src`, after all work issued before. */
  download(dst: ArrayBufferView, src: DeviceAddress): void;
  /** Copies `bytes` from `src` to `dst` on the device; the ranges may overlap (memmove). */
  copy(dst: DeviceAddress, src: DeviceAddress, bytes: number): void;
  launch(l: DeviceLaunch): void;
  /** Waits for all issued work. */
  synchronize(): void;
  /** Why {@link captureGraph} cannot work on this device (an old driver), or null when it can. */
  readonly graphUnavailable: string | null;
  /** Staging memory of `bytes` bytes (see {@link DeviceStaging}). */
  allocStaging(bytes: number): DeviceStaging;
  freeStaging(s: DeviceStaging): void;
  /** Queues the copy of `s.host[0, bytes)` to `s.addr`, ordered with the launches (asynchronous on CUDA). */
  stage(s: DeviceStaging, bytes: number): void;
  /** Waits until no queued copy still reads a staging host buffer (call before writing one). */
  stagingIdle(): void;
  /**
   * Records the staging copy and `launches` as a {@link DeviceGraph} without running them (CUDA:
   * stream capture; the emulator keeps the list).
   */
  captureGraph(staging: DeviceStaging, stagingBytes: number, launches: readonly DeviceLaunch[]): DeviceGraph;
  /** Frees everything (the device is unusable after). */
  dispose(): void;
}

/** Thrown for device misuse the backend could not have caught earlier (bad sizes, freed addresses). */
export class GpuDeviceError extends Error {
  override name = 'GpuDeviceError';
}

/** The PTX target to build for on a device of compute capability `major.minor` (null below sm_80). */
export function smTargetFor(major: number, minor: number): SmTarget | null {
  const cc = major * 10 + minor;
  if (cc >= 90) return 'sm_90';
  if (cc >= 89) return 'sm_89';
  if (cc >= 80) return 'sm_80';
  return null;
}
