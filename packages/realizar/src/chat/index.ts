/** Chat templates: Jinja rendering of `tokenizer.chat_template` and built-in fallbacks. */
export { ChatTemplate } from './chat-template.js';
export type { ChatTemplateOptions, ChatRenderOptions } from './chat-template.js';
export { ChatTemplateError } from './chat-template-error.js';
export type { ChatMessage, ChatRole, ChatTool, ToolCall } from './chat-types.js';
export { CHATML_TEMPLATE, LLAMA2_TEMPLATE, builtinChatTemplate } from './builtin-templates.js';
export type { BuiltinTemplateName } from './builtin-templates.js';
export { resolveChatTemplate } from './resolve-chat-template.js';
export type {
  ChatTemplateMetadata,
  ChatTemplateOrigin,
  ResolveChatTemplateOptions,
  ResolvedChatTemplate,
  SpecialTokenText,
} from './resolve-chat-template.js';
export { QWEN25_CHAT_TEMPLATE } from './qwen25-template.js';
