/**
 * Request → prompt token ids, on the server thread: chat messages through the model's chat template
 * (tools rendered by the template, or as a Hermes system block when the template has no tools
 * support), raw prompts tokenized with BOS as the vocabulary wants. Counting prompt tokens here is
 * what makes usage exact: the engine receives exactly these ids.
 */
import { ChatTemplate } from '../chat/chat-template.js';
import type { ChatMessage, ChatTool } from '../chat/chat-types.js';
import { ApiError } from './api-error.js';
import type { ServeEngine } from './engine-api.js';

/** Qwen2.5's tool instructions, for templates that ignore `tools`. */
function hermesToolsBlock(tools: readonly ChatTool[]): string {
  return (
    '# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
    'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
    tools.map((t) => JSON.stringify(t)).join('\n') +
    '\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
    '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
  );
}

/** Renders and tokenizes prompts for one engine. */
export class PromptBuilder {
  private constructor(
    private readonly engine: ServeEngine,
    private readonly template: ChatTemplate | null,
    private readonly bosText: string,
  ) {}

  /** Compiles the engine's chat template (if any). */
  static async create(engine: ServeEngine): Promise<PromptBuilder> {
    const m = engine.model;
    const bosText = m.bos !== null ? await engine.detokenize([m.bos]).catch(() => '') : '';
    const eosText = m.eos !== null ? await engine.detokenize([m.eos]).catch(() => '') : '';
    let template: ChatTemplate | null = null;
    if (m.chatTemplate !== null) {
      try {
        template = new ChatTemplate(m.chatTemplate, { bosToken: bosText, eosToken: eosText, label: `${m.id} chat template` });
      } catch {
        template = null;
      }
    }
    return new PromptBuilder(engine, template, bosText);
  }

  /** The chat template's source, or null. */
  get templateSource(): string | null {
    return this.template?.source ?? null;
  }

  /** The rendered prompt text of a conversation (assistant header appended). */
  renderChat(messages: readonly ChatMessage[], tools?: readonly ChatTool[]): string {
    if (!this.template) {
      throw new ApiError(400, `model ${this.engine.model.id} has no chat template: use /v1/completions (raw prompt) or start the server with a --chat-template`, 'invalid_request_error', 'messages', 'no_chat_template');
    }
    let msgs = messages;
    const useTools = tools !== undefined && tools.length > 0;
    if (useTools && !/\btools\b/.test(this.template.source)) {
      const block = hermesToolsBlock(tools);
      msgs =
        msgs[0]?.role === 'system'
          ? [{ ...msgs[0], content: `${msgs[0].content}\n\n${block}` }, ...msgs.slice(1)]
          : [{ role: 'system', content: block }, ...msgs];
    }
    return this.template.render(msgs, useTools ? { tools } : {});
  }

  /** Tokens of a rendered chat prompt: BOS is added only when the template did not write it. */
  async tokenizeChat(text: string): Promise<number[]> {
    const addBos = this.engine.model.addBos && !(this.bosText !== '' && text.startsWith(this.bosText));
    return this.engine.tokenize(text, { addSpecial: addBos, parseSpecial: true });
  }

  /** Tokens of a raw prompt (completions, Ollama generate): BOS per the vocabulary, special tokens parsed. */
  async tokenizeRaw(text: string): Promise<number[]> {
    return this.engine.tokenize(text, { addSpecial: this.engine.model.addBos, parseSpecial: true });
  }
}
