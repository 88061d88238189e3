/**
 * The worker thread's side of a {@link ModelWorker}: loads the model (the weights live only in
 * this thread) and serves requests with the in-thread engine — `generate` and `ChatSession`, not a
 * copy of their logic — streaming each chunk back as it is produced.
 *
 * Generations run one at a time, in arrival order, on one session. `generate` yields to the event
 * loop between tokens, which is when this thread reads its messages: an `abort` for the running
 * request aborts its signal there, so at most the token whose forward pass was running still comes
 * out. Tokenize / detokenize are answered at once, even between the tokens of a generation.
 */
import type { MessagePort } from 'node:worker_threads';
import { selectBackend } from '@sovereign/trueno';
import '../register-backends.js'; // `cuda` is selectable in this thread too
import type { ChatTemplate } from '../chat/chat-template.js';
import type { ChatMessage } from '../chat/chat-types.js';
import { resolveChatTemplate } from '../chat/resolve-chat-template.js';
import { ChatSession, type ChatTurnResult } from '../engine/chat-session.js';
import { generate, type GenerateChunk, type GenerateResult } from '../engine/generate.js';
import { openGGUF } from '../gguf/gguf-open.js';
import { loadModel } from '../model/model.js';
import type { Session } from '../model/session.js';
import { tokenizerFromGGUF } from '../tokenizer/from-gguf.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { ModelWorkerInfo, WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';
import { serializeError } from './worker-errors.js';

type GenerationRequest = Extract<WorkerRequest, { type: 'generate' | 'chat' }>;
type Generation = AsyncGenerator<GenerateChunk, GenerateResult | ChatTurnResult, void>;

/** What the worker holds once the model is loaded. */
interface Loaded {
  readonly info: ModelWorkerInfo;
  readonly tokenizer: Tokenizer;
  readonly session: Session;
  readonly template: ChatTemplate | Error;
}

/** Backends with a thread pool expose these (the native one); see apr-cli's applyThreads. */
interface Threaded {
  setThreads?: (n: number) => number;
  readonly threads?: number;
}

function load({ path, opts }: WorkerInit): Loaded {
  const t0 = performance.now();
  const sel = selectBackend(opts.backend ?? 'auto');
  const be = sel.backend as typeof sel.backend & Threaded;
  if (opts.threads !== undefined && typeof be.setThreads === 'function') be.setThreads(opts.threads);
  const file = openGGUF(path);
  const tokenizer = tokenizerFromGGUF(file);
  const model = loadModel(file, { backend: be });
  const session = model.createSession({ contextLength: opts.contextLength, maxBatch: opts.maxBatch });
  let template: ChatTemplate | Error;
  let chatTemplate: ModelWorkerInfo['chatTemplate'];
  try {
    const r = resolveChatTemplate(file, { override: opts.chatTemplate, tokenizer });
    template = r.template;
    chatTemplate = { origin: r.origin, ...(r.warning !== undefined ? { warning: r.warning } : {}) };
  } catch (e) {
    // Raw generation still works; chat requests fail with this error.
    template = e as Error;
    chatTemplate = { error: (e as Error).message };
  }
  const info: ModelWorkerInfo = {
    path,
    config: model.config,
    backend: { name: be.name, description: be.description, reason: sel.reason, threads: typeof be.threads === 'number' ? be.threads : 1 },
    tokenizer: {
      vocabSize: tokenizer.vocabSize,
      bos: tokenizer.bos,
      eos: tokenizer.eos,
      eot: tokenizer.eot,
      addBos: tokenizer.addBos,
      addEos: tokenizer.addEos,
    },
    contextLength: session.contextLength,
    loadMs: performance.now() - t0,
    chatTemplate,
  };
  return { info, tokenizer, session, template };
}

/** Field-wise equality of two chat messages (the template sees exactly these fields). */
function sameMessage(a: ChatMessage, b: ChatMessage): boolean {
  return (
    a.role === b.role &&
    a.content === b.content &&
    a.name === b.name &&
    a.tool_call_id === b.tool_call_id &&
    JSON.stringify(a.tool_calls) === JSON.stringify(b.tool_calls)
  );
}

/** Serves one model on `port` until the thread is terminated. */
export class WorkerHost {
  private readonly queue: GenerationRequest[] = [];
  private readonly aborted = new Set<number>();
  private running: { readonly id: number; readonly ctl: AbortController } | undefined;
  /** The chat bound to the session, when the last generation was a chat turn, and its tools. */
  private chat: { readonly session: ChatSession; readonly tools: string } | undefined;

  constructor(
    private readonly port: MessagePort,
    private readonly m: Loaded,
  ) {}

  /** Loads the model and starts serving; reports `ready` or `load-error` on `port`. */
  static start(port: MessagePort, init: WorkerInit): WorkerHost | undefined {
    let loaded: Loaded;
    try {
      loaded = load(init);
    } catch (e) {
      port.postMessage({ type: 'load-error', error: serializeError(e) } satisfies WorkerReply);
      port.close();
      return undefined;
    }
    const host = new WorkerHost(port, loaded);
    port.on('message', (req: WorkerRequest) => host.onRequest(req));
    host.post({ type: 'ready', info: loaded.info });
    return host;
  }

  private post(reply: WorkerReply): void {
    this.port.postMessage(reply);
  }

  private onRequest(req: WorkerRequest): void {
    switch (req.type) {
      case 'generate':
      case 'chat':
        this.queue.push(req);
        if (this.queue.length === 1 && !this.running) void this.pump();
        return;
      case 'abort':
        if (this.running?.id === req.id) this.running.ctl.abort();
        else if (this.queue.some((q) => q.id === req.id)) this.aborted.add(req.id);
        return;
      case 'tokenize':
      case 'detokenize':
        try {
          const value = req.type === 'tokenize' ? this.m.tokenizer.encode(req.text, req.opts) : this.m.tokenizer.decode(req.tokens, req.opts);
          this.post({ type: 'value', id: req.id, value });
        } catch (e) {
          this.post({ type: 'error', id: req.id, error: serializeError(e) });
        }
        return;
    }
  }

  /** Runs the queued generations one after the other. */
  private async pump(): Promise<void> {
    for (let req = this.queue[0]; req !== undefined; req = this.queue[0]) {
      const ctl = new AbortController();
      if (this.aborted.delete(req.id)) ctl.abort();
      this.running = { id: req.id, ctl };
      try {
        await this.run(req, ctl.signal);
      } catch (e) {
        this.post({ type: 'error', id: req.id, error: serializeError(e) });
      } finally {
        this.running = undefined;
        this.queue.shift();
      }
    }
  }

  private async run(req: GenerationRequest, signal: AbortSignal): Promise<void> {
    const gen = req.type === 'generate' ? this.generate(req, signal) : this.chatTurn(req, signal);
    for (;;) {
      const next = await gen.next();
      if (next.done) {
        this.post({ type: 'done', id: req.id, result: next.value });
        return;
      }
      this.post({ type: 'chunk', id: req.id, chunk: next.value });
    }
  }

  private generate(req: Extract<WorkerRequest, { type: 'generate' }>, signal: AbortSignal): Generation {
    const { tokenizer, session } = this.m;
    let tokens: number[];
    if (typeof req.prompt === 'string') {
      tokens = tokenizer.encode(req.prompt, { addSpecial: false, parseSpecial: true });
      if ((req.bos ?? tokenizer.addBos) && tokenizer.bos !== null) tokens.unshift(tokenizer.bos);
    } else {
      tokens = [...req.prompt];
    }
    this.chat = undefined; // the session's cache no longer holds the chat's tokens
    session.reset();
    return generate(session, tokenizer, tokens, { ...req.opts, signal });
  }

  /**
   * One chat turn over the whole conversation `messages`. When they extend the conversation the
   * worker's ChatSession already holds (the usual case: the previous messages, the reply it wrote,
   * a new user message), only the new messages are sent, so the KV cache of the earlier turns is
   * reused; otherwise the chat starts over from these messages.
   */
  private chatTurn(req: Extract<WorkerRequest, { type: 'chat' }>, signal: AbortSignal): Generation {
    const { template, tokenizer, session, info } = this.m;
    if (template instanceof Error) throw template;
    const tools = JSON.stringify(req.tools ?? null);
    if (this.chat === undefined || this.chat.tools !== tools) {
      const chat = new ChatSession({ session, tokenizer, template, tools: req.tools, contextLength: info.contextLength });
      this.chat = { session: chat, tools };
    }
    const chat = this.chat.session;
    const history = chat.messages;
    const extends_ = history.length < req.messages.length && history.every((m, i) => sameMessage(m, req.messages[i]));
    if (!extends_) chat.reset();
    const added = req.messages.slice(extends_ ? history.length : 0);
    return chat.send(added, { ...req.opts, signal });
  }
}
