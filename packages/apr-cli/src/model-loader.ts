import { statSync } from 'node:fs';
import {
  type GGUFFile,
  type Model,
  type Tokenizer,
  loadModel,
  openGGUF,
  tokenizerFromGGUF,
} from '@sovereign/realizar';
import { CliError } from './cli-error.js';

/** A model file opened for inference. */
export interface LoadedModel {
  readonly path: string;
  readonly file: GGUFFile;
  readonly model: Model;
  readonly tokenizer: Tokenizer;
  /** Wall time of open + validate + tokenizer + weights, in ms. */
  readonly loadMs: number;
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
 * Opens `path` (GGUF) and builds its tokenizer and model on the reference backend. Errors of the
 * libraries (bad file, unsupported architecture) propagate with their own messages; a missing file
 * becomes a one-line {@link CliError}.
 */
export function loadForInference(path: string): LoadedModel {
  assertModelFile(path);
  const t0 = performance.now();
  const file = openGGUF(path);
  const tokenizer = tokenizerFromGGUF(file);
  const model = loadModel(file);
  return { path, file, model, tokenizer, loadMs: performance.now() - t0 };
}

/** Opens `path` and builds only its tokenizer (no weights are touched). */
export function loadTokenizer(path: string): Tokenizer {
  assertModelFile(path);
  return tokenizerFromGGUF(openGGUF(path));
}
