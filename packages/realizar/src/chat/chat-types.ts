/**
 * Chat messages in the OpenAI / Hugging Face shape that chat templates expect (`messages[i].role`,
 * `.content`, `.tool_calls[j].function.{name, arguments}`).
 */

/** Who wrote a message. */
export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** One tool (function) call made by the assistant. */
export interface ToolCall {
  id?: string;
  type?: 'function';
  function: {
    name: string;
    /** JSON text (OpenAI) or an object (Hugging Face); templates receive an object when the text parses. */
    arguments: string | Record<string, unknown>;
  };
}

/** A message of a conversation. */
export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** Tool calls of an assistant message. */
  tool_calls?: ToolCall[];
  /** For `tool` messages: the call this answers (passed through to the template). */
  tool_call_id?: string;
  /** Optional author name (passed through). */
  name?: string;
}

/** A tool definition as in OpenAI's `tools` request field; passed to the template untouched. */
export type ChatTool = Record<string, unknown>;
