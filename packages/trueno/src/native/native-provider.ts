/**
 * Registers the `native` backend with trueno's backend registry, so `selectBackend('native')`
 * (and `auto` when no GPU is present) returns a {@link NativeBackend}, and falls back to `ref`
 * with the loader's reason when the addon is absent. Loading is lazy: importing trueno does not
 * load the addon; the first probe does.
 */
import { type BackendProbe, type BackendProvider, registerBackend } from '../backend/registry.js';
import { loadNative } from './load-native.js';
import { NativeUnavailableError } from './native-addon.js';
import { NativeBackend } from './native-backend.js';

/** What `apr info` shows about the native backend. */
export interface NativeInfo {
  readonly available: boolean;
  /** Kernel set in use (`avx512`, `avx2`, `generic`), when available. */
  readonly isa?: string;
  /** Kernel sets this CPU can run, when available. */
  readonly isas?: readonly string[];
  /** Thread-pool size, when available. */
  readonly threads?: number;
  /** One line: what runs natively, or why the backend is unavailable. */
  readonly reason: string;
}

/** The native backend's state for `apr info`; never throws. */
export function nativeInfo(): NativeInfo {
  const r = loadNative();
  if (!r.addon) return { available: false, reason: r.reason };
  const info = r.addon.info();
  return {
    available: true,
    isa: info.isa,
    isas: info.isas,
    threads: info.threads,
    reason: `C++ SIMD matmul and ops (${info.isa}, ${info.threads} threads, ${info.compiler})`,
  };
}

/** The registry entry of the native backend. */
export const nativeProvider: BackendProvider = {
  name: 'native',
  probe(): BackendProbe {
    const info = nativeInfo();
    // `reason` on an available probe carries ISA and threads for registries that show it.
    const probe = info.available ? { available: true as const, reason: info.reason } : { available: false as const, reason: info.reason };
    return probe;
  },
  create(): NativeBackend {
    const r = loadNative();
    if (!r.addon) throw new NativeUnavailableError(r.reason);
    return new NativeBackend(r.addon);
  },
};

registerBackend(nativeProvider);
