/**
 * The GPU backend on the PTX emulator: every op runs the same kernel IR as on a GPU, on the CPU.
 * For tests and for debugging a kernel path on a machine without a GPU (slow: ~2·10^7 emulated
 * instructions per second). Not a registry backend name: create it explicitly.
 */
import { EmuDevice, type EmuDeviceOptions } from './emu-device.js';
import { GpuBackend, type GpuBackendOptions } from './gpu-backend.js';

/** A {@link GpuBackend} named `emu` over a new {@link EmuDevice}. */
export function createEmuBackend(opts: EmuDeviceOptions & Omit<GpuBackendOptions, 'name'> = {}): GpuBackend {
  return new GpuBackend(new EmuDevice(opts), { ...opts, name: 'emu' });
}
