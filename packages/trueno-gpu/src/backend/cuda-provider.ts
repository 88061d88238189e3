/**
 * Registers the `cuda` backend with trueno's registry, so `selectBackend('cuda')` (and `auto` on a
 * machine with a usable GPU) returns a {@link GpuBackend} on a {@link CudaDevice}, and otherwise
 * falls back to `ref` with the driver loader's reason. Importing trueno-gpu registers it; the
 * driver loads on the first probe, not at import.
 */
import { type BackendProbe, type BackendProvider, registerBackend, selectBackend } from '@sovereign/trueno';
import { loadCudaDriver } from '../driver/load-cuda-driver.js';
import { cudaUnavailableReason, openCudaDevice } from './cuda-device.js';
import { GpuBackend } from './gpu-backend.js';

/** Thrown when the cuda backend is created on a machine that cannot run it; the message says why. */
export class CudaUnavailableError extends Error {
  override name = 'CudaUnavailableError';
}

/** The registry entry of the CUDA backend. */
export const cudaProvider: BackendProvider = {
  name: 'cuda',
  probe(): BackendProbe {
    const why = cudaUnavailableReason();
    if (why !== null) return { available: false, reason: why };
    const r = loadCudaDriver();
    const d = r.driver!.device(0);
    return { available: true, reason: `${d.name} (${d.sm}), CUDA ${r.driver!.versionString}` };
  },
  create(): GpuBackend {
    const r = openCudaDevice();
    if (!r.device) throw new CudaUnavailableError(`the cuda backend cannot run here: ${r.reason}`);
    // Ops without a GPU kernel run on the best CPU backend (native when its addon loads).
    return new GpuBackend(r.device, { cpu: selectBackend('native').backend, name: 'cuda' });
  },
};

registerBackend(cudaProvider);
