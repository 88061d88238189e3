/**
 * `openServeEngine`: the {@link ServeEngine} of the HTTP server — a continuous-batching
 * {@link Scheduler} on a worker thread (this thread never holds the weights; see ./engine-host.ts).
 * Requests cross as token ids, events stream back over postMessage as they are produced, errors
 * cross serialised (name, message, fields) and come back as instances of the same classes.
 */
import { Worker } from 'node:worker_threads';
import { GenerateOptionsError } from '../engine/errors.js';
import {
  PromptTooLongError,
  QueueFullError,
  type ServeEngine,
  type ServeEvent,
  type ServeModelInfo,
  type ServeRequest,
  type ServeStats,
} from '../server/engine-api.js';
import { ModelWorkerClosedError, type SerializedError, reviveError } from '../worker/worker-errors.js';
import { modelWorkerScript, type WorkerScript } from '../worker/worker-script.js';
import { ConstraintUnavailableError } from './constraint.js';
import type { EngineInit, EngineReply, EngineRequest, ServeEngineOptions } from './protocol.js';

export type { ServeEngineOptions } from './protocol.js';

/** The engine's own error classes, revived by name (the rest as worker-errors does). */
const OWN: ReadonlyMap<string, abstract new (...args: never[]) => Error> = new Map<string, abstract new (...args: never[]) => Error>([
  ['QueueFullError', QueueFullError],
  ['PromptTooLongError', PromptTooLongError],
  ['ConstraintUnavailableError', ConstraintUnavailableError],
]);

function revive(s: SerializedError): Error {
  const e = reviveError(s);
  const cls = OWN.get(s.name);
  if (cls) Object.setPrototypeOf(e, cls.prototype);
  return e;
}

/**
 * The worker script: from sources, `./worker-entry.ts` beside this file through tsx (as the model
 * worker's); from the bundle, `serve-worker.js` beside it (its own tsup entry).
 */
function engineScript(): WorkerScript {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return modelWorkerScript(here);
  return { script: new URL('./serve-worker.js', here), eval: false };
}

/** A generation's events waiting for its consumer. */
interface Stream {
  readonly events: ServeEvent[];
  error?: Error;
  wake?: () => void;
}

/**
 * Starts the serving engine on a worker thread for the GGUF model at `modelPath` and resolves
 * when it is loaded. Load errors (missing or bad file, unsupported architecture, unknown backend)
 * reject with the loader's error (same class, name and message).
 */
export async function openServeEngine(modelPath: string, opts: ServeEngineOptions = {}): Promise<ServeEngine> {
  const s = engineScript();
  const init: EngineInit = { path: modelPath, opts: { ...opts } };
  const worker = new Worker(s.script, { eval: s.eval, execArgv: s.execArgv, workerData: init });
  const ready = await new Promise<Extract<EngineReply, { type: 'ready' }>>((resolve, reject) => {
    const onMessage = (m: EngineReply): void => {
      cleanup();
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'load-error') reject(revive(m.error));
      else reject(new Error(`serve engine: unexpected first message '${m.type}'`));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new ModelWorkerClosedError(`the serve engine worker exited (code ${code}) before loading ${modelPath}`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  }).catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });
  return new WorkerServeEngine(worker, ready.info, ready.stats);
}

/** The main-thread handle of the engine worker. */
class WorkerServeEngine implements ServeEngine {
  private readonly streams = new Map<string, Stream>();
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextRid = 1;
  private closedBy: Error | undefined;

  constructor(
    private readonly worker: Worker,
    readonly model: ServeModelInfo,
    private last: ServeStats,
  ) {
    worker.on('message', (m: EngineReply) => this.onReply(m));
    worker.on('error', (e: Error) => this.shutDown(new ModelWorkerClosedError(`the serve engine worker failed: ${e.message}`, { cause: e })));
    worker.on('exit', (code: number) => this.shutDown(new ModelWorkerClosedError(`the serve engine worker exited (code ${code})`)));
  }

  tokenize(text: string, opts?: { readonly addSpecial?: boolean; readonly parseSpecial?: boolean }): Promise<number[]> {
    return this.call<number[]>((rid) => ({ type: 'tokenize', rid, text, ...(opts ? { opts: { ...opts } } : {}) }));
  }

  detokenize(ids: readonly number[]): Promise<string> {
    return this.call<string>((rid) => ({ type: 'detokenize', rid, ids: [...ids] }));
  }

  embed(inputs: ReadonlyArray<readonly number[]>): Promise<{ embeddings: number[][]; promptTokens: number }> {
    return this.call((rid) => ({ type: 'embed', rid, inputs: inputs.map((x) => [...x]) }));
  }

  /** The worker's latest numbers (sent after every step and every admission or cancel). */
  stats(): ServeStats {
    return this.last;
  }

  generate(req: ServeRequest, signal?: AbortSignal): AsyncIterable<ServeEvent> {
    return this.stream(req, signal);
  }

  async close(): Promise<void> {
    if (this.closedBy) return;
    this.shutDown(new ModelWorkerClosedError('the serve engine was closed'));
    await this.worker.terminate();
  }

  private post(m: EngineRequest): void {
    this.worker.postMessage(m);
  }

  private assertOpen(): void {
    if (this.closedBy) throw new ModelWorkerClosedError(this.closedBy.message);
  }

  private onReply(m: EngineReply): void {
    switch (m.type) {
      case 'stats':
        this.last = m.stats;
        return;
      case 'event':
      case 'rejected': {
        const st = this.streams.get(m.id);
        if (!st) return; // a stream whose consumer stopped early
        if (m.type === 'event') st.events.push(m.event);
        else st.error = revive(m.error);
        st.wake?.();
        return;
      }
      case 'value':
      case 'error': {
        const c = this.calls.get(m.rid);
        if (!c) return;
        this.calls.delete(m.rid);
        if (m.type === 'value') c.resolve(m.value);
        else c.reject(revive(m.error));
        return;
      }
      default:
        return;
    }
  }

  /** Fails every pending call and stream with `err` and refuses new ones. */
  private shutDown(err: Error): void {
    if (this.closedBy) return;
    this.closedBy = err;
    for (const st of this.streams.values()) {
      st.error ??= err;
      st.wake?.();
    }
    for (const c of this.calls.values()) c.reject(err);
    this.calls.clear();
  }

  private call<T>(make: (rid: number) => EngineRequest): Promise<T> {
    try {
      this.assertOpen();
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const rid = this.nextRid++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(rid, { resolve: resolve as (v: unknown) => void, reject });
      this.post(make(rid));
    });
  }

  private async *stream(req: ServeRequest, signal?: AbortSignal): AsyncGenerator<ServeEvent, void, void> {
    this.assertOpen();
    if (this.streams.has(req.id)) throw new GenerateOptionsError(`request id '${req.id}' is already live; ids must be unique among live requests`);
    const st: Stream = { events: [] };
    this.streams.set(req.id, st);
    let ended = false;
    const cancel = (): void => {
      if (!ended && !this.closedBy) this.post({ type: 'cancel', id: req.id });
    };
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      this.post({ type: 'generate', req: { ...req, prompt: [...req.prompt], ...(req.stop ? { stop: [...req.stop] } : {}) } });
      if (signal?.aborted) cancel();
      for (;;) {
        const ev = st.events.shift();
        if (ev) {
          if (ev.type === 'done') ended = true;
          yield ev;
          if (ended) return;
          continue;
        }
        if (st.error) {
          ended = true;
          throw st.error;
        }
        await new Promise<void>((r) => (st.wake = r));
        st.wake = undefined;
      }
    } finally {
      cancel(); // the consumer stopped early (break / throw): free the slot
      ended = true;
      signal?.removeEventListener('abort', cancel);
      this.streams.delete(req.id);
    }
  }
}
