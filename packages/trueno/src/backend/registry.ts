/**
 * Backend selection. `ref` is always present; faster backends register a provider (the native
 * addon from trueno, CUDA from trueno-gpu, which sits above trueno and so cannot be imported from
 * here). Asking for a backend that is missing or cannot run falls back to `ref` and says why,
 * which `apr info` prints through {@link backendInfo}.
 */
import type { Backend } from './backend.js';
import { refBackend } from './ref-backend.js';

/** Names a caller may ask for; `auto` picks the best available CPU backend (native > ref); cuda only when named. */
export const BACKEND_NAMES = ['auto', 'ref', 'native', 'cuda'] as const;
/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Result of {@link BackendProvider.probe}. */
export type BackendProbe = { readonly available: true; readonly reason?: string } | { readonly available: false; readonly reason: string };

/** A backend that may or may not be usable on this machine. */
export interface BackendProvider {
  readonly name: Exclude<BackendName, 'auto' | 'ref'>;
  /** Cheap check (addon loads, driver found); never throws. */
  probe(): BackendProbe;
  /** Creates the backend; called only after a successful probe. */
  create(): Backend;
}

/** One line of {@link backendInfo}. */
export interface BackendInfo {
  readonly name: string;
  readonly available: boolean;
  /** Why it is (un)available, for `apr info`. */
  readonly reason: string;
}

/** What {@link selectBackend} chose. */
export interface BackendSelection {
  readonly backend: Backend;
  /** The name asked for (`auto` when none was). */
  readonly requested: BackendName;
  /** True when the backend asked for could not be used and `ref` runs instead. */
  readonly fellBack: boolean;
  /** Human-readable reason for the choice. */
  readonly reason: string;
}

/** Thrown for a backend name that is not one of {@link BACKEND_NAMES}. */
export class UnknownBackendError extends Error {
  override name = 'UnknownBackendError';
}

const providers = new Map<string, BackendProvider>();
const created = new Map<string, Backend>();

const MISSING: Record<BackendProvider['name'], string> = {
  native: 'no native backend registered (the C++ SIMD addon is not built in this version)',
  cuda: 'no CUDA backend registered (load @sovereign/trueno-gpu on a machine with libcuda.so.1)',
};

/** Makes a backend selectable by name; a later registration of the same name replaces it. */
export function registerBackend(provider: BackendProvider): void {
  providers.set(provider.name, provider);
  created.delete(provider.name);
}

function probe(name: BackendProvider['name']): BackendProbe {
  const p = providers.get(name);
  if (!p) return { available: false, reason: MISSING[name] };
  try {
    return p.probe();
  } catch (e) {
    return { available: false, reason: `probe failed: ${(e as Error).message}` };
  }
}

/** Every known backend with whether it can run here and why. */
export function backendInfo(): BackendInfo[] {
  const out: BackendInfo[] = [{ name: 'ref', available: true, reason: 'pure TypeScript reference, always present' }];
  for (const name of ['native', 'cuda'] as const) {
    const p = probe(name);
    out.push({ name, available: p.available, reason: p.available ? (p.reason ?? 'available') : p.reason });
  }
  return out;
}

function instance(name: BackendProvider['name']): Backend {
  let b = created.get(name);
  if (!b) {
    b = providers.get(name)!.create();
    created.set(name, b);
  }
  return b;
}

/**
 * The backend to run on. `name` undefined or `auto`: the best available CPU backend (native, then
 * ref). `cuda` runs only when asked for (`apr run --gpu`, `--backend cuda`): its kernels and forward
 * are verified against the TS reference on the PTX emulator, but not yet on a GPU, so it is not
 * picked behind a user's back; once the on-device checks (tools/gpu-kit.md) pass, `auto` should
 * prefer it. A named backend that cannot run falls back to `ref` with the reason. Throws
 * {@link UnknownBackendError} for names outside {@link BACKEND_NAMES}.
 */
export function selectBackend(name?: string): BackendSelection {
  const requested = (name ?? 'auto') as BackendName;
  if (!BACKEND_NAMES.includes(requested)) {
    throw new UnknownBackendError(`unknown backend '${name}': expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  if (requested === 'ref') return { backend: refBackend, requested, fellBack: false, reason: 'ref requested' };
  const order: BackendProvider['name'][] = requested === 'auto' ? ['native'] : [requested];
  const why: string[] = [];
  for (const n of order) {
    const p = probe(n);
    if (!p.available) {
      why.push(`${n}: ${p.reason}`);
      continue;
    }
    try {
      return { backend: instance(n), requested, fellBack: false, reason: p.reason ? `${n}: ${p.reason}` : `${n} available` };
    } catch (e) {
      why.push(`${n}: create failed: ${(e as Error).message}`);
    }
  }
  return {
    backend: refBackend,
    requested,
    fellBack: requested !== 'auto',
    reason: `using ref (${why.join('; ')})`,
  };
}
