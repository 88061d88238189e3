/**
 * Picks the chat template for a model: the user's override, else the file's
 * `tokenizer.chat_template`, else a built-in fallback chosen from the architecture — with a warning
 * for the CLI to print, because a guessed template can make a model answer badly.
 *
 * Fallback rules (no template in the file):
 * - vocabulary contains `<|im_start|>` (every Qwen2 vocab, ChatML-tuned llamas) → ChatML;
 * - `general.architecture` starts with `qwen` → ChatML (Qwen's native format);
 * - `llama` → Llama-2 `[INST]` (what llama.cpp assumes for untagged llama chat models);
 * - anything else → ChatML.
 */

import { builtinChatTemplate, CHATML_TEMPLATE, LLAMA2_TEMPLATE } from './builtin-templates.js';
import { ChatTemplate } from './chat-template.js';
import { ChatTemplateError } from './chat-template-error.js';

/** The metadata accessors needed here; `GGUFFile` satisfies it. */
export interface ChatTemplateMetadata {
  /** File path or label, for messages. */
  readonly source?: string;
  has(key: string): boolean;
  getString(key: string, fallback?: string): string;
  getInteger(key: string, fallback?: number): number;
  getStringArray(key: string): string[];
}

/** How a token id maps to its text (the tokenizer's `tokenText`), to fill `bos_token` / `eos_token`. */
export interface SpecialTokenText {
  readonly bos?: number | null;
  readonly eos?: number | null;
  tokenText(id: number): string;
}

/** Where the chosen template came from. */
export type ChatTemplateOrigin = 'override' | 'file' | 'fallback-chatml' | 'fallback-llama2';

/** The chosen template, its origin, and a warning to show the user when it was guessed. */
export interface ResolvedChatTemplate {
  readonly template: ChatTemplate;
  readonly origin: ChatTemplateOrigin;
  readonly warning?: string;
}

/** Options of {@link resolveChatTemplate}. */
export interface ResolveChatTemplateOptions {
  /** `chatml`, `llama2`, `qwen2.5`, or a Jinja source (the CLI's `--chat-template`). Wins over the file. */
  override?: string;
  /** The tokenizer, for the BOS/EOS texts; without it they are read from `tokenizer.ggml.tokens`. */
  tokenizer?: SpecialTokenText;
}

const KEY = 'tokenizer.chat_template';

/** Chooses and compiles the chat template of `file`. Throws ChatTemplateError on a bad template. */
export function resolveChatTemplate(file: ChatTemplateMetadata, opts: ResolveChatTemplateOptions = {}): ResolvedChatTemplate {
  const name = file.source ?? 'model';
  const tokens = lazyTokens(file);
  const special = { bosToken: specialText(file, opts.tokenizer, 'bos', tokens), eosToken: specialText(file, opts.tokenizer, 'eos', tokens) };

  if (opts.override !== undefined) {
    const builtin = builtinChatTemplate(opts.override);
    if (builtin === undefined && !opts.override.includes('{')) {
      throw new ChatTemplateError(
        `unknown chat template '${opts.override}': use chatml, llama2, qwen2.5, or a Jinja template text`,
      );
    }
    const label = builtin ? `built-in '${opts.override}' chat template` : 'the --chat-template text';
    return { template: new ChatTemplate(builtin ?? opts.override, { ...special, label }), origin: 'override' };
  }

  if (file.has(KEY)) {
    const source = file.getString(KEY);
    return { template: new ChatTemplate(source, { ...special, label: `${name} ${KEY}` }), origin: 'file' };
  }

  const arch = file.has('general.architecture') ? file.getString('general.architecture') : 'unknown';
  const hasImStart = tokens()?.includes('<|im_start|>') ?? false;
  if (arch === 'llama' && !hasImStart) {
    return {
      template: new ChatTemplate(LLAMA2_TEMPLATE, { ...special, label: "built-in 'llama2' chat template" }),
      origin: 'fallback-llama2',
      warning: `${name} has no ${KEY}; using the Llama-2 [INST] format (pass --chat-template chatml to change)`,
    };
  }
  const why = hasImStart ? 'its vocabulary has <|im_start|>' : arch.startsWith('qwen') ? `${arch} is ChatML-native` : `no known format for architecture '${arch}'`;
  return {
    template: new ChatTemplate(CHATML_TEMPLATE, { ...special, label: "built-in 'chatml' chat template" }),
    origin: 'fallback-chatml',
    warning: `${name} has no ${KEY}; using ChatML (${why}; pass --chat-template llama2 to change)`,
  };
}

/** Reads `tokenizer.ggml.tokens` at most once, and only when needed. */
function lazyTokens(file: ChatTemplateMetadata): () => string[] | undefined {
  let cached: string[] | undefined | null = null;
  return () => {
    if (cached === null) cached = file.has('tokenizer.ggml.tokens') ? file.getStringArray('tokenizer.ggml.tokens') : undefined;
    return cached;
  };
}

function specialText(
  file: ChatTemplateMetadata,
  tokenizer: SpecialTokenText | undefined,
  which: 'bos' | 'eos',
  tokens: () => string[] | undefined,
): string {
  if (tokenizer) {
    const id = tokenizer[which];
    return id === undefined || id === null || id < 0 ? '' : tokenizer.tokenText(id);
  }
  const key = `tokenizer.ggml.${which}_token_id`;
  if (!file.has(key)) return '';
  const id = file.getInteger(key);
  return tokens()?.[id] ?? '';
}
