/**
 * Which compute backend `apr bench --backend NAME` runs on.
 *
 * apr-cli may import only @sovereign/realizar, and backend selection (`selectBackend`, trueno's)
 * reaches the CLI only once realizar re-exports it. Until then this module looks the function up
 * on realizar's namespace at run time: when it is there, `--backend native` uses it (and its own
 * fallback-to-ref with a reason); when it is not, the bench runs on `ref` and says why. Either way
 * the command compiles and the JSON says which backend really ran.
 */
import * as realizar from '@sovereign/realizar';
import type { LoadModelOptions } from '@sovereign/realizar';

type Backend = NonNullable<LoadModelOptions['backend']>;

/** The part of trueno's `BackendSelection` the bench needs. */
interface Selection {
  readonly backend: Backend;
  readonly fellBack: boolean;
  readonly reason: string;
}

/** The backend chosen for a bench run. */
export interface BackendChoice {
  /** Backend to pass to `loadModel`; undefined means realizar's default (`ref`). */
  readonly backend: Backend | undefined;
  /** Name of the backend that really runs (`ref`, `native`, …). */
  readonly name: string;
  /** Why this one (printed on stderr, and in the JSON as `backendReason`). */
  readonly reason: string;
}

/**
 * Resolves `--backend NAME`. `ref` never needs selection. Other names go through realizar's
 * `selectBackend` when it is exported, which falls back to `ref` with a reason when the backend
 * cannot run here; unknown names throw its `UnknownBackendError`.
 */
export function chooseBackend(name: string): BackendChoice {
  if (name === 'ref') return { backend: undefined, name: 'ref', reason: 'ref requested' };
  const select = (realizar as unknown as { selectBackend?: (n?: string) => Selection }).selectBackend;
  if (typeof select !== 'function') {
    return {
      backend: undefined,
      name: 'ref',
      reason: `using ref (backend '${name}' cannot be selected: @sovereign/realizar does not re-export selectBackend yet)`,
    };
  }
  const s = select(name);
  return { backend: s.backend, name: s.backend.name, reason: s.reason };
}

/** What a multi-threaded backend may offer (the native one's thread pool); both are optional. */
interface Threaded {
  setThreads?: (n: number) => void;
  readonly threads?: number;
}

/**
 * Gives `threads` to the chosen backend when it has a thread pool (`setThreads`), and returns the
 * threads it really uses: its own `threads` figure when it reports one, 1 for a backend without a
 * pool (the ref backend is plain single-threaded TypeScript).
 */
export function applyThreads(choice: BackendChoice, threads: number): number {
  const b = choice.backend as (Backend & Threaded) | undefined;
  if (!b || typeof b.setThreads !== 'function') return typeof b?.threads === 'number' ? b.threads : 1;
  b.setThreads(threads);
  return typeof b.threads === 'number' ? b.threads : threads;
}
