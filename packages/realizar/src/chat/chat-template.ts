/**
 * A parsed Jinja chat template (`tokenizer.chat_template`), rendered with `@huggingface/jinja` the way
 * Hugging Face `apply_chat_template` does: variables `messages`, `add_generation_prompt`, `bos_token`,
 * `eos_token`, `tools`, plus any extras; `raise_exception` and `strftime_now` are built in.
 */

import { Template } from '@huggingface/jinja';
import { ChatTemplateError } from './chat-template-error.js';
import type { ChatMessage, ChatTool } from './chat-types.js';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

/** Construction options of {@link ChatTemplate}. */
export interface ChatTemplateOptions {
  /** Text of the BOS token (e.g. `<s>`), the template's `bos_token`; default ''. */
  bosToken?: string;
  /** Text of the EOS token (e.g. `</s>`), the template's `eos_token`; default ''. */
  eosToken?: string;
  /** Where the template came from, for error messages (e.g. `model.gguf tokenizer.chat_template`). */
  label?: string;
}

/** Options of {@link ChatTemplate.render}. */
export interface ChatRenderOptions {
  /** Append the assistant header so that the model answers next. Default true. */
  addGenerationPrompt?: boolean;
  /** Tool definitions (OpenAI `tools`), passed through as the template's `tools`. */
  tools?: readonly ChatTool[];
  /** More template variables (e.g. `enable_thinking`); they cannot replace the standard ones. */
  extra?: Record<string, unknown>;
}

/** A compiled chat template. Parse errors surface in the constructor as {@link ChatTemplateError}. */
export class ChatTemplate {
  /** The Jinja source. */
  readonly source: string;
  /** The template's `bos_token`. */
  readonly bosToken: string;
  /** The template's `eos_token`. */
  readonly eosToken: string;
  /** Where the template came from. */
  readonly label: string;
  private readonly compiled: Template;

  constructor(source: string, opts: ChatTemplateOptions = {}) {
    this.source = source;
    this.bosToken = opts.bosToken ?? '';
    this.eosToken = opts.eosToken ?? '';
    this.label = opts.label ?? 'chat template';
    try {
      this.compiled = new Template(source);
    } catch (e) {
      throw new ChatTemplateError(
        `${this.label} is not a valid Jinja template (${(e as Error).message}); ` +
          'pass a built-in one instead, e.g. --chat-template chatml',
      );
    }
  }

  /** Renders the conversation to the prompt text (special tokens still as text). */
  render(messages: readonly ChatMessage[], opts: ChatRenderOptions = {}): string {
    const context: Record<string, unknown> = {
      ...opts.extra,
      messages: messages.map(normalizeMessage),
      add_generation_prompt: opts.addGenerationPrompt ?? true,
      bos_token: this.bosToken,
      eos_token: this.eosToken,
    };
    if (opts.tools !== undefined && opts.tools.length > 0) context.tools = opts.tools;
    try {
      return this.compiled.render(context);
    } catch (e) {
      throw new ChatTemplateError(
        `${this.label} failed to render ${messages.length} message(s): ${(e as Error).message}; ` +
          'check the message roles/order, or use a built-in template (--chat-template chatml)',
      );
    }
  }
}

/**
 * Validates one message and copies it into the shape templates expect: tool-call arguments given as
 * JSON text become objects (Hugging Face convention, also what llama.cpp does), so `| tojson` in
 * e.g. Qwen2.5's template prints the JSON rather than a quoted string.
 */
function normalizeMessage(m: ChatMessage, i: number): Record<string, unknown> {
  if (m === null || typeof m !== 'object' || !ROLES.has(m.role)) {
    throw new ChatTemplateError(
      `messages[${i}].role is ${JSON.stringify((m as { role?: unknown } | null)?.role)}; expected one of system, user, assistant, tool`,
    );
  }
  if (typeof m.content !== 'string') {
    throw new ChatTemplateError(`messages[${i}].content must be a string, got ${typeof m.content}`);
  }
  const out: Record<string, unknown> = { ...m };
  if (m.tool_calls !== undefined) {
    out.tool_calls = m.tool_calls.map((c) => {
      const args = c.function?.arguments;
      if (typeof args !== 'string') return c;
      try {
        const parsed: unknown = JSON.parse(args);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
          return { ...c, function: { ...c.function, arguments: parsed } };
        }
      } catch {
        // Not JSON: hand the text through unchanged; the template decides what to do with it.
      }
      return c;
    });
  }
  return out;
}
