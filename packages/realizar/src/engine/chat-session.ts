/**
 * A multi-turn chat over one model session: keeps the message history, renders the whole conversation
 * with the chat template each turn, and reuses the KV cache for the longest common token prefix of the
 * new prompt and what the cache already holds (llama.cpp server's `cache_prompt`). Usually that is
 * everything up to the last reply, so only the new user turn is prefilled; when the prompt diverges
 * earlier the cache is truncated there (or reset, for sessions without `truncate`).
 */

import type { ChatTemplate } from '../chat/chat-template.js';
import type { ChatMessage, ChatTool } from '../chat/chat-types.js';
import { Sampler } from '../sampler/sampler.js';
import { ChatSessionBusyError } from './errors.js';
import { generate, type GenerateChunk, type GenerateOptions, type GenerateResult } from './generate.js';
import type { ChatTokenizer, LogitsSession } from './types.js';

/** Construction options of {@link ChatSession}. */
export interface ChatSessionOptions {
  session: LogitsSession;
  tokenizer: ChatTokenizer;
  template: ChatTemplate;
  /** System prompt, kept across {@link ChatSession.reset}. */
  system?: string;
  /** Tool definitions passed to the template every turn. */
  tools?: readonly ChatTool[];
  /** KV-cache capacity, when the session does not report `contextLength`. */
  contextLength?: number;
}

/** Per-turn options: those of `generate`, with `maxTokens` defaulting to -1 (until the context is full). */
export type ChatSendOptions = Omit<GenerateOptions, 'maxTokens' | 'contextLength'> & { maxTokens?: number };

/** The result of one turn. */
export interface ChatTurnResult extends GenerateResult {
  /** Prompt tokens served from the KV cache instead of being prefilled. */
  readonly reusedTokens: number;
  /** The assistant message appended to the history (absent when the reply was empty). */
  readonly message?: ChatMessage;
}

/** A conversation bound to one model session. One turn at a time. */
export class ChatSession {
  private readonly session: LogitsSession;
  private readonly tokenizer: ChatTokenizer;
  private readonly template: ChatTemplate;
  private readonly system: string | undefined;
  private readonly tools: readonly ChatTool[] | undefined;
  private readonly contextLength: number | undefined;
  private history: ChatMessage[] = [];
  /** Exactly the tokens in the session's KV cache (length === session.position when in sync). */
  private cache: number[] = [];
  private busy = false;

  constructor(opts: ChatSessionOptions) {
    this.session = opts.session;
    this.tokenizer = opts.tokenizer;
    this.template = opts.template;
    this.system = opts.system;
    this.tools = opts.tools;
    this.contextLength = opts.contextLength;
    this.reset();
  }

  /** The conversation so far (system message first, if any). */
  get messages(): readonly ChatMessage[] {
    return this.history;
  }

  /** Number of tokens in the KV cache that the next turn may reuse. */
  get cachedTokens(): number {
    return this.cache.length;
  }

  /** Forgets the conversation (keeping the system prompt) and empties the KV cache. */
  reset(): void {
    this.history = this.system !== undefined ? [{ role: 'system', content: this.system }] : [];
    this.cache = [];
    this.session.reset();
  }

  /** The prompt text the next turn would feed, with `pending` messages appended (for --verbose-prompt). */
  renderPrompt(pending: readonly ChatMessage[] = []): string {
    return this.template.render([...this.history, ...pending], { addGenerationPrompt: true, tools: this.tools });
  }

  /**
   * Adds `input` (a user message's text, or whole messages) and streams the assistant's reply. The
   * reply — also a partial one after an abort or an early `break` — is appended to the history. When
   * generation fails (e.g. ContextBudgetError) the input is removed again, so the turn can be retried.
   *
   * Pass sampling *parameters* in `opts.sampling`: each turn then gets a fresh sampler whose penalty
   * window is primed with the whole prompt. A `Sampler` instance is used as is and accumulates
   * every turn's prompt in its window.
   */
  async *send(
    input: string | ChatMessage | readonly ChatMessage[],
    opts: ChatSendOptions = {},
  ): AsyncGenerator<GenerateChunk, ChatTurnResult, void> {
    if (this.busy) throw new ChatSessionBusyError();
    this.busy = true;
    const added: ChatMessage[] = typeof input === 'string' ? [{ role: 'user', content: input }] : Array.isArray(input) ? [...input] : [input as ChatMessage];
    const before = this.history.length;
    let prompt: number[] = [];
    const generated: number[] = [];
    let text = '';
    let result: GenerateResult | undefined;
    let failed = true;
    try {
      prompt = this.tokenize(this.renderPrompt(added));
      this.history.push(...added);
      const reused = this.reuseCache(prompt);
      const sampler = opts.sampling instanceof Sampler ? opts.sampling : new Sampler(opts.sampling);
      sampler.acceptMany(prompt.slice(0, reused)); // generate() accepts the rest of the prompt
      const gen = generate(this.session, this.tokenizer, prompt.slice(reused), {
        ...opts,
        maxTokens: opts.maxTokens ?? -1,
        sampling: sampler,
        contextLength: this.contextLength,
      });
      for (;;) {
        const next = await gen.next();
        if (next.done) {
          result = next.value;
          break;
        }
        generated.push(next.value.token);
        text += next.value.text;
        yield next.value;
      }
      failed = false;
      const message = this.addReply(text);
      return { ...result, reusedTokens: reused, ...(message ? { message } : {}) };
    } finally {
      if (failed && generated.length === 0 && result === undefined) this.history.length = before;
      else if (result === undefined) this.addReply(text); // consumer stopped early: keep the partial reply
      if (prompt.length > 0) this.syncCache([...prompt, ...generated]); // else nothing was touched
      this.busy = false;
    }
  }

  /** Runs one turn to the end; resolves with its result. */
  async reply(input: string | ChatMessage | readonly ChatMessage[], opts: ChatSendOptions = {}): Promise<ChatTurnResult> {
    const gen = this.send(input, opts);
    for (;;) {
      const next = await gen.next();
      if (next.done) return next.value;
    }
  }

  /** Prompt text → tokens; BOS is prepended when the vocabulary wants it and the template did not write it. */
  private tokenize(text: string): number[] {
    const ids = this.tokenizer.encode(text, { addSpecial: false, parseSpecial: true });
    const bos = this.tokenizer.bos;
    if (this.tokenizer.addBos && bos !== undefined && bos !== null && bos >= 0 && ids[0] !== bos) ids.unshift(bos);
    return ids;
  }

  /** Keeps the longest cached prefix of `prompt` (at least one prompt token stays to feed); returns its length. */
  private reuseCache(prompt: readonly number[]): number {
    let keep = 0;
    if (this.cache.length === this.session.position) {
      const max = Math.min(this.cache.length, prompt.length - 1);
      while (keep < max && this.cache[keep] === prompt[keep]) keep++;
    }
    if (keep < this.session.position) {
      if (keep > 0 && this.session.truncate) {
        this.session.truncate(keep);
      } else {
        this.session.reset();
        keep = 0;
      }
    }
    this.cache = prompt.slice(0, keep);
    return keep;
  }

  /** Records which tokens the KV cache now holds: the fed prefix of `fed`, or nothing if out of sync. */
  private syncCache(fed: readonly number[]): void {
    const pos = this.session.position;
    if (pos <= fed.length && pos >= this.cache.length) {
      this.cache = fed.slice(0, pos);
    } else {
      this.session.reset();
      this.cache = [];
    }
  }

  private addReply(text: string): ChatMessage | undefined {
    if (text.length === 0) return undefined;
    const message: ChatMessage = { role: 'assistant', content: text };
    this.history.push(message);
    return message;
  }
}
