import { statSync } from 'node:fs';
import {
  type GGUFFile,
  type Model,
  type Tokenizer,
  loadModel,
  openGGUF,
  readGGUFHeaderSync,
  tokenizerFromGGUF,
} from '@sovereign/realizar';
import { applyThreads, chooseBackend } from './backend-choice.js';
import { CliError } from './cli-error.js';

/** A model file opened for inference. */
export interface LoadedModel {
  /** The model file (the first shard of a split model). */
  readonly path: string;
  /** Every file read: the model file, or a split model's shards in order. */
  readonly paths: readonly string[];
  readonly file: GGUFFile;
  readonly model: Model;
  readonly tokenizer: Tokenizer;
  /** Wall time of open + validate + tokenizer + weights, in ms. */
  readonly loadMs: number;
  /** The backend that runs the model and why it was chosen (e.g. a fallback to ref and its reason). */
  readonly backend: { readonly name: string; readonly reason: string; readonly threads: number };
}

/** Backend flags shared by the commands that run a model. */
export interface BackendFlags {
  /** `auto` (native when its addon loaded, else ref), `ref` or `native`. Default here `ref`, the oracle; the CLI's flag defaults to `auto`. */
  readonly backend?: string;
  /** Threads of a multi-threaded backend (default: the backend's own, i.e. the machine's cores). */
  readonly threads?: number;
  /** `--gpu` (true: run on the cuda backend or fail with why), `--no-gpu` (false: never the GPU); undefined: neither. */
  readonly gpu?: boolean;
}

/** Throws a one-line {@link CliError} unless `path` is an existing regular file. */
export function assertModelFile(path: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new CliError(`${path}: no such file (give the path of a .gguf model)`);
  }
  if (!isFile) throw new CliError(`${path}: not a regular file`);
}

/**
 * Opens `path` (GGUF) — or a split model: the ordered list of its shard paths, or the path of its
 * first shard with the siblings beside it — and builds its tokenizer and model on the chosen
 * backend (`auto` by default). Files larger than one Buffer load in segments (realizar's
 * `openGGUF`), so 7B+ models run. Errors of the libraries (bad file, unsupported architecture,
 * shards that do not form one model) propagate with their own messages; a missing file becomes a
 * one-line {@link CliError}.
 */
export function loadForInference(path: string | readonly string[], flags: BackendFlags = {}): LoadedModel {
  const paths = typeof path === 'string' ? [path] : [...path];
  if (paths.length === 0) throw new CliError('no model file given');
  for (const p of paths) assertModelFile(p);
  const choice = chooseBackend(flags.backend ?? 'ref', flags.gpu);
  const threads = applyThreads(choice, flags.threads);
  const t0 = performance.now();
  const file = openGGUF(paths.length === 1 ? paths[0] : paths);
  const tokenizer = tokenizerFromGGUF(file);
  const model = loadModel(file, { backend: choice.backend });
  const loadMs = performance.now() - t0;
  return { path: paths[0], paths, file, model, tokenizer, loadMs, backend: { name: choice.name, reason: choice.reason, threads } };
}

/**
 * Reads only the header of `path` and builds its tokenizer (no tensor data are read). For a split
 * model the first shard is enough: it carries all the metadata.
 */
export function loadTokenizer(path: string | readonly string[]): Tokenizer {
  const first = typeof path === 'string' ? path : path[0];
  if (first === undefined) throw new CliError('no model file given');
  assertModelFile(first);
  return tokenizerFromGGUF(readGGUFHeaderSync(first));
}
