/**
 * Which compute backend a command runs on (`--backend auto|ref|native`, `--threads N`).
 * Selection is trueno's `selectBackend` (re-exported by realizar): a backend that cannot run here
 * falls back to `ref` with the reason, which commands print with --verbose and bench puts in its JSON.
 */
import { type BackendSelection, type LoadModelOptions, selectBackend } from '@sovereign/realizar';

type Backend = NonNullable<LoadModelOptions['backend']>;

/** The backend chosen for a run. */
export interface BackendChoice {
  /** Backend to pass to `loadModel`; undefined means realizar's default (`ref`). */
  readonly backend: Backend | undefined;
  /** Name of the backend that really runs (`ref`, `native`, …). */
  readonly name: string;
  /** Why this one (printed on stderr, and in the JSON as `backendReason`). */
  readonly reason: string;
}

/**
 * Resolves `--backend NAME` (`auto`: the best available, native when its addon loaded). Unknown
 * names throw trueno's `UnknownBackendError`.
 */
export function chooseBackend(name = 'auto'): BackendChoice {
  if (name === 'ref') return { backend: undefined, name: 'ref', reason: 'ref requested' };
  const s: BackendSelection = selectBackend(name);
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
 * pool (the ref backend is plain single-threaded TypeScript). `threads` undefined keeps the
 * backend's default.
 */
export function applyThreads(choice: BackendChoice, threads?: number): number {
  const b = choice.backend as (Backend & Threaded) | undefined;
  if (!b || typeof b.setThreads !== 'function') return typeof b?.threads === 'number' ? b.threads : 1;
  if (threads === undefined) return typeof b.threads === 'number' ? b.threads : 1;
  b.setThreads(threads);
  return typeof b.threads === 'number' ? b.threads : threads;
}
