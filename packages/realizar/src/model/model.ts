/**
 * `loadModel`: a GGUF file → a runnable model. Reads and checks the config, wraps the weights as
 * zero-copy tensor views (validating each), and picks the architecture's forward pass. The model
 * is immutable; generation state lives in the sessions it creates.
 */
import { type Backend, type RopeParams, refBackend } from '@sovereign/trueno';
import type { GGUFFile } from '../gguf/index.js';
import { ARCHITECTURES, type ArchitectureSpec, type ModelParts } from './architecture.js';
import { type ModelArch, type ModelConfig, readModelConfig } from './config.js';
import { BatchRunner, type BatchRunnerOptions } from './batch-runner.js';
import { Session, type SessionOptions } from './session.js';
import { type ModelWeights, loadWeights } from './weights.js';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Backend that runs the bricks. Default: the `ref` backend. */
  readonly backend?: Backend;
}

/** A loaded model: config, weights (views of the file) and a factory of sessions. */
export interface Model {
  readonly config: ModelConfig;
  readonly arch: ModelArch;
  readonly weights: ModelWeights;
  readonly backend: Backend;
  /** A new sequence with its own KV cache. */
  createSession(opts?: SessionOptions): Session;
  /** Several sequences with their own KV caches, run together in one pass per step (continuous batching). */
  createBatchRunner(opts: BatchRunnerOptions): BatchRunner;
}

class LoadedModel implements Model, ModelParts {
  readonly arch: ModelArch;
  readonly rope: RopeParams;

  constructor(
    readonly config: ModelConfig,
    readonly weights: ModelWeights,
    readonly backend: Backend,
    private readonly spec: ArchitectureSpec,
  ) {
    this.arch = config.arch;
    this.rope = weights.ropeFreqs ? { ...config.rope, freqFactors: weights.ropeFreqs } : config.rope;
  }

  createSession(opts?: SessionOptions): Session {
    return new Session(this, this.spec, opts);
  }

  createBatchRunner(opts: BatchRunnerOptions): BatchRunner {
    return new BatchRunner(this, this.spec, opts);
  }
}

/**
 * Builds a runnable model from a parsed GGUF file (llama or qwen2). Throws the typed errors of
 * model/errors.ts for an unsupported architecture, bad metadata or a bad tensor. The file's
 * buffer must stay alive (and unchanged) as long as the model: the weights are views of it.
 */
export function loadModel(file: GGUFFile, opts: LoadModelOptions = {}): Model {
  const config = readModelConfig(file);
  const spec = ARCHITECTURES[config.arch];
  const weights = loadWeights(file, config, { qkvBias: spec.qkvBias });
  return new LoadedModel(config, weights, opts.backend ?? refBackend, spec);
}
