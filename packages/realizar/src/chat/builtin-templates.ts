import { QWEN25_CHAT_TEMPLATE } from './qwen25-template.js';

/**
 * Built-in chat templates (Jinja sources), used when a model file carries no
 * `tokenizer.chat_template` or when the user names one (`--chat-template chatml`).
 */

/**
 * ChatML, exactly as llama.cpp's built-in `chatml` formats it: no default system prompt.
 * Native format of Qwen2 / Qwen2.5 (whose own template adds a default system prompt and tools).
 */
export const CHATML_TEMPLATE = [
  "{%- for message in messages %}",
  "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}",
  "{%- endfor %}",
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
].join('');

/**
 * Llama-2 chat (`[INST]` / `<<SYS>>`), Hugging Face's Llama-2-chat template minus its role-alternation
 * check; `tool` messages are shown as user turns. Each user turn starts with `bos_token`.
 */
export const LLAMA2_TEMPLATE = [
  "{%- if messages[0]['role'] == 'system' %}",
  "{%- set loop_messages = messages[1:] %}{%- set system_message = messages[0]['content'] %}",
  "{%- else %}{%- set loop_messages = messages %}{%- set system_message = false %}{%- endif %}",
  "{%- for message in loop_messages %}",
  "{%- if loop.index0 == 0 and system_message != false %}",
  "{%- set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}",
  "{%- else %}{%- set content = message['content'] %}{%- endif %}",
  "{%- if message['role'] == 'assistant' %}{{- ' ' + content.strip() + ' ' + eos_token }}",
  "{%- else %}{{- bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{%- endif %}",
  "{%- endfor %}",
].join('');

/** Names accepted by {@link builtinChatTemplate}. */
export type BuiltinTemplateName = 'chatml' | 'llama2' | 'qwen2.5';

/** The Jinja source of a built-in template, or undefined for an unknown name. */
export function builtinChatTemplate(name: string): string | undefined {
  if (name === 'chatml') return CHATML_TEMPLATE;
  if (name === 'llama2') return LLAMA2_TEMPLATE;
  if (name === 'qwen2.5') return QWEN25_CHAT_TEMPLATE;
  return undefined;
}
