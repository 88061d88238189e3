/**
 * Which compute backend a command runs on (`--backend auto|ref|native|cuda`, `--gpu`, `--no-gpu`,
 * `--threads N`).
 * Selection is trueno's `selectBackend` (re-exported by realizar): a backend that cannot run here
 * falls back to `ref` with the reason, which commands print with --verbose and bench puts in its JSON.
 */
import { type BackendSelection, type LoadModelOptions, selectBackend } from '@sovereign/realizar';
import { CliError } from './cli-error.js';

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
 * Resolves `--backend NAME` (`auto`: native when its addon loaded, else ref — the GPU only when
 * asked for, until the cuda backend has been verified on a GPU) together with `--gpu` / `--no-gpu`
 * (`gpu` true / false; undefined when neither was given). `--gpu` means `--backend cuda` and fails
 * with the driver's reason when CUDA cannot run, instead of falling back; `--no-gpu` keeps `auto`
 * off the GPU. Unknown names
 * throw trueno's `UnknownBackendError`; contradicting flags a {@link CliError}.
 */
export function chooseBackend(name = 'auto', gpu?: boolean): BackendChoice {
  if (gpu === true) {
    if (name !== 'auto' && name !== 'cuda') throw new CliError(`--gpu runs the cuda backend: it contradicts --backend ${name}`, 2);
    const s: BackendSelection = selectBackend('cuda');
    if (s.fellBack) throw new CliError(`--gpu: the cuda backend cannot run here (${s.reason.replace(/^using ref \((.*)\)$/, '$1')}); run without --gpu to use the CPU`);
    return { backend: s.backend, name: s.backend.name, reason: s.reason };
  }
  if (gpu === false) {
    if (name === 'cuda') throw new CliError('--no-gpu contradicts --backend cuda', 2);
    if (name === 'auto') {
      const s = selectBackend('native');
      return { backend: s.backend, name: s.backend.name, reason: `--no-gpu: ${s.reason}` };
    }
  }
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
