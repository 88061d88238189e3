/**
 * The worker thread's side of the serving engine: loads the model (the weights live only in this
 * thread), runs the {@link Scheduler} step after step while there is work, yielding to the event
 * loop between steps — which is when requests, cancellations and tokenize calls are read, so a
 * cancel frees its slot before the next step — and streams every event back as it is produced.
 */
import { dominantType } from '../server/model-quantization.js';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import type { MessagePort } from 'node:worker_threads';
import { selectBackend } from '@sovereign/trueno';
import '../register-backends.js'; // `cuda` is selectable in this thread too
import { openGGUF } from '../gguf/gguf-open.js';
import { loadModel } from '../model/model.js';
import { DEFAULT_SESSION_CONTEXT } from '../model/session.js';
import type { ServeModelInfo } from '../server/engine-api.js';
import { tokenizerFromGGUF } from '../tokenizer/from-gguf.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { serializeError } from '../worker/worker-errors.js';
import { loadConstraintFactory } from './constraint.js';
import type { EngineInit, EngineReply, EngineRequest } from './protocol.js';
import { Scheduler } from './scheduler.js';

/** Backends with a thread pool expose these (the native one). */
interface Threaded {
  setThreads?: (n: number) => number;
  readonly threads?: number;
}

/** Serves one model on `port` until the thread is terminated. */
export class EngineHost {
  private running = false;

  private constructor(
    private readonly port: MessagePort,
    private readonly sched: Scheduler,
    private readonly tokenizer: Tokenizer,
  ) {}

  /** Loads the model and starts serving; reports `ready` or `load-error` on `port`. */
  static start(port: MessagePort, { path, opts }: EngineInit): EngineHost | undefined {
    let host: EngineHost;
    let info: ServeModelInfo;
    try {
      const t0 = performance.now();
      const sel = selectBackend(opts.backend ?? 'auto');
      const be = sel.backend as typeof sel.backend & Threaded;
      if (opts.threads !== undefined && typeof be.setThreads === 'function') be.setThreads(opts.threads);
      const file = openGGUF(path);
      const tokenizer = tokenizerFromGGUF(file);
      const model = loadModel(file, { backend: be });
      const c = model.config;
      const slotContext = opts.slotContext ?? Math.min(c.contextLength, DEFAULT_SESSION_CONTEXT);
      const sched = new Scheduler(model, tokenizer, {
        parallel: opts.parallel ?? 4,
        slotContext,
        maxQueue: opts.maxQueue ?? 64,
        prefillChunk: opts.prefillChunk ?? 128,
      });
      const template = file.has('tokenizer.chat_template') ? file.getString('tokenizer.chat_template') : null;
      info = {
        id: opts.modelId ?? basename(path).replace(/\.gguf$/i, ''),
        path,
        architecture: c.arch,
        parameters: file.tensors.reduce((n, t) => n + t.nElements, 0),
        quantization: dominantType(file),
        fileBytes: statSync(path).size,
        contextLength: c.contextLength,
        slotContext,
        embeddingLength: c.dim,
        vocabSize: c.vocabSize,
        chatTemplate: template,
        bos: tokenizer.bos,
        eos: tokenizer.eos,
        addBos: tokenizer.addBos,
        loadMs: performance.now() - t0,
        backend: be.name,
      };
      host = new EngineHost(port, sched, tokenizer);
    } catch (e) {
      port.postMessage({ type: 'load-error', error: serializeError(e) } satisfies EngineReply);
      port.close();
      return undefined;
    }
    port.on('message', (m: EngineRequest) => void host.onRequest(m));
    host.post({ type: 'ready', info, stats: host.sched.stats() });
    return host;
  }

  private post(m: EngineReply): void {
    this.port.postMessage(m);
  }

  private postStats(): void {
    this.post({ type: 'stats', stats: this.sched.stats() });
  }

  private async onRequest(m: EngineRequest): Promise<void> {
    switch (m.type) {
      case 'generate': {
        const { req } = m;
        try {
          if (req.constraint && !this.sched.hasConstraints) this.sched.setConstraintFactory(await loadConstraintFactory());
          this.sched.submit(req, (event) => {
            // Stats first: a consumer reading stats() when it sees 'done' sees its slot free.
            if (event.type === 'done') this.postStats();
            this.post({ type: 'event', id: req.id, event });
          });
        } catch (e) {
          this.post({ type: 'rejected', id: req.id, error: serializeError(e) });
          return;
        }
        this.postStats();
        this.kick();
        return;
      }
      case 'cancel':
        this.sched.cancel(m.id);
        this.postStats();
        return;
      case 'embed':
      case 'tokenize':
      case 'detokenize':
        try {
          const value =
            m.type === 'embed'
              ? this.sched.embed(m.inputs)
              : m.type === 'tokenize'
                ? this.tokenizer.encode(m.text, m.opts)
                : this.tokenizer.decode(m.ids);
          this.post({ type: 'value', rid: m.rid, value });
        } catch (e) {
          this.post({ type: 'error', rid: m.rid, error: serializeError(e) });
        }
        return;
    }
  }

  /** Runs steps until no request is left. */
  private kick(): void {
    if (this.running) return;
    this.running = true;
    void (async () => {
      try {
        while (!this.sched.idle) {
          this.sched.step();
          this.postStats();
          await nextTick(); // read cancels and new requests between steps
        }
      } finally {
        this.running = false;
        this.postStats();
      }
    })();
  }
}
