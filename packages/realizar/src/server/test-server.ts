/**
 * Test support: a tiny generated qwen2 model (synthetic vocabulary, ChatML template) behind the
 * continuous-batching engine (its worker thread, as `apr serve` runs it) and a server on 127.0.0.1
 * with a random port.
 * Not exported from the package.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openServeEngine } from '../scheduler/serve-engine.js';
import { GGMLType } from '@sovereign/trueno';
import { CHATML_TEMPLATE } from '../chat/builtin-templates.js';
import { gguf } from '../gguf/index.js';
import { testModel } from '../model/test-model.js';
import type { ServeEngine } from './engine-api.js';
import { type ServeEngineOptions } from '../scheduler/serve-engine.js';
import { startServer, type RunningServer, type StartServerOptions } from './start-server.js';

/** Bytes of the tiny test model (qwen2, 2 layers, dim 64, vocab 400, Q8_0). */
export function tinyModelBytes(): Uint8Array {
  return testModel({
    arch: 'qwen2',
    dim: 64,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    ffnDim: 128,
    vocab: 400,
    type: GGMLType.Q8_0,
    seed: 7,
    contextLength: 2048,
    metadata: [['tokenizer.chat_template', gguf.str(CHATML_TEMPLATE)]],
  }).bytes;
}

let tinyPath: string | undefined;

/** An engine over the tiny model (2 slots of 1024 tokens, ref backend), wrapped so tests can see the requests it received. */
export async function tinyEngine(opts: ServeEngineOptions = {}): Promise<ServeEngine & { seen: Parameters<ServeEngine['generate']>[0][] }> {
  if (!tinyPath) {
    tinyPath = join(mkdtempSync(join(tmpdir(), 'apr-serve-test-')), 'tiny.gguf');
    writeFileSync(tinyPath, tinyModelBytes());
  }
  const e = await openServeEngine(tinyPath, { parallel: 2, backend: 'ref', slotContext: 1024, ...opts });
  const seen: Parameters<ServeEngine['generate']>[0][] = [];
  return {
    seen,
    model: e.model,
    tokenize: (t, o) => e.tokenize(t, o),
    detokenize: (ids) => e.detokenize(ids),
    embed: (inputs) => e.embed(inputs),
    stats: () => e.stats(),
    close: () => e.close(),
    generate: (req, signal) => {
      seen.push(req);
      return e.generate(req, signal);
    },
  };
}

/** Starts a server over the tiny engine on a random port. */
export async function tinyServer(opts: StartServerOptions & { engine?: ServeEngineOptions } = {}): Promise<RunningServer & { tiny: Awaited<ReturnType<typeof tinyEngine>> }> {
  const engine = await tinyEngine(opts.engine);
  const s = await startServer(engine, { port: 0, ...opts });
  await s.engine;
  return Object.assign(s, { tiny: engine });
}
