/**
 * The tool-call parser as the routes use it: ./tool-calls.ts (Hermes `<tool_call>` blocks, whole
 * text and streaming) in the shape the OpenAI and Ollama routes consume — calls without ids (the
 * routes number them per response) and streamed deltas as `{index, name?, arguments?}`.
 */
import { ToolCallStreamParser as HermesStreamParser, type ToolCallStreamChunk, parseToolCalls as parseHermes } from './tool-calls.js';

/** One parsed call; `arguments` is JSON text (OpenAI's shape). */
export interface ParsedToolCall {
  readonly name: string;
  readonly arguments: string;
}

/** A streamed piece of a tool call: the name comes first, then the arguments. */
export interface ToolCallDelta {
  readonly index: number;
  readonly name?: string;
  readonly arguments?: string;
}

/** What one push/end of {@link ToolCallStreamParser} releases. */
export interface ToolCallPiece {
  content?: string;
  toolCallDeltas?: ToolCallDelta[];
}

/** Splits a whole generated text into content and tool calls (malformed blocks stay content). */
export function parseToolCalls(text: string): { content: string | null; toolCalls: ParsedToolCall[] } {
  const p = parseHermes(text);
  return { content: p.content, toolCalls: p.toolCalls.map((t) => ({ name: t.name, arguments: t.arguments })) };
}

function piece(c: ToolCallStreamChunk): ToolCallPiece {
  const out: ToolCallPiece = {};
  if (c.content !== undefined) out.content = c.content;
  if (c.toolCalls?.length) out.toolCallDeltas = c.toolCalls.map((d) => ({ index: d.index, name: d.name, arguments: d.argumentsDelta }));
  return out;
}

/** Incremental {@link parseToolCalls} for streamed responses. */
export class ToolCallStreamParser {
  private readonly hermes = new HermesStreamParser();

  push(text: string): ToolCallPiece {
    return piece(this.hermes.push(text));
  }

  end(): ToolCallPiece {
    return piece(this.hermes.end());
  }
}
