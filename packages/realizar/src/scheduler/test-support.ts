/**
 * Test support of the scheduler tests: a tiny generated model (ref backend) with its tokenizer,
 * and a driver that runs a scheduler to completion collecting each request's events.
 */
import { GGMLType, selectBackend } from '@sovereign/trueno';
import { readGGUF } from '../gguf/gguf-reader.js';
import { loadModel, type Model } from '../model/model.js';
import { type TestModelSpec, testModel } from '../model/test-model.js';
import type { ServeEvent, ServeRequest } from '../server/engine-api.js';
import { tokenizerFromGGUF } from '../tokenizer/from-gguf.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

/** A small qwen2 (GQA, biases, Q8_0 matrices): ~1 ms per step on the ref backend. */
export const TINY: TestModelSpec = { arch: 'qwen2', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 128, vocab: 400, type: GGMLType.Q8_0, seed: 3, contextLength: 512 };

/** Model, tokenizer and file bytes of `spec` on `backend`. */
export function tinyModel(spec: TestModelSpec = TINY, backend = 'ref'): { model: Model; tokenizer: Tokenizer; bytes: Uint8Array } {
  const { bytes } = testModel(spec);
  const file = readGGUF(bytes);
  return { model: loadModel(file, { backend: selectBackend(backend).backend }), tokenizer: tokenizerFromGGUF(file), bytes };
}

/** Deterministic pseudo-random prompt of `n` ids in [259, vocab) (after a BOS). */
export function prompt(n: number, seed: number, vocab = TINY.vocab): number[] {
  const out = [1];
  let a = seed >>> 0 || 1;
  while (out.length < n) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    out.push(259 + (a % (vocab - 259)));
  }
  return out;
}

/** The events of one request, as collected. */
export interface Collected {
  readonly events: ServeEvent[];
  tokens(): number[];
  text(): string;
  done(): Extract<ServeEvent, { type: 'done' }> | undefined;
}

/** A sink that records events. */
export function collector(): Collected & { sink: (e: ServeEvent) => void } {
  const events: ServeEvent[] = [];
  return {
    events,
    sink: (e) => events.push(e),
    tokens: () => events.flatMap((e) => (e.type === 'token' ? [e.id] : [])),
    text: () => events.map((e) => (e.type === 'token' ? e.text : '')).join(''),
    done: () => events.find((e): e is Extract<ServeEvent, { type: 'done' }> => e.type === 'done'),
  };
}

/** Runs `reqs` together on a fresh scheduler until all are done. */
export function runAll(model: Model, tokenizer: Tokenizer, reqs: readonly ServeRequest[], opts: Partial<SchedulerOptions> = {}): Collected[] {
  const s = new Scheduler(model, tokenizer, { parallel: 4, slotContext: 256, maxQueue: 16, prefillChunk: 16, ...opts });
  const out = reqs.map((r) => {
    const c = collector();
    s.submit(r, c.sink);
    return c;
  });
  let guard = 0;
  while (!s.idle) {
    s.step();
    if (++guard > 100_000) throw new Error('scheduler did not finish');
  }
  return out;
}
