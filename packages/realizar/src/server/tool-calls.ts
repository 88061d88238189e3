/**
 * Hermes-style tool calls as Qwen2.5 writes them (its chat template asks for
 * `<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>`), parsed
 * from generated text whole or while streaming, into OpenAI's `tool_calls` shape.
 *
 * Both parsers follow the same rules, so a stream split anywhere gives the whole-text result:
 * - a block is `<tool_call>` up to the first `</tool_call>` (or the end of the text); its trimmed
 *   inside must be a JSON object with a non-empty string `name` and an object (or string)
 *   `arguments` (`parameters` is accepted too; missing means `{}`);
 * - a block that is not such a call stays in the content verbatim, tags included (never throws);
 * - whitespace touching a valid call (before it or after it) is dropped from the content; content
 *   is null when calls were found and nothing else remains.
 */
import { randomBytes } from 'node:crypto';

const OPEN = '<tool_call>';
const CLOSE = '</tool_call>';

/** One parsed call; `arguments` is JSON text (OpenAI's `function.arguments`). */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** Content and calls of a whole generated text. */
export interface ParsedToolCalls {
  readonly content: string | null;
  readonly toolCalls: ToolCall[];
}

/** A streaming delta in OpenAI's chunk shape: a call's id and name come first, then its arguments. */
export interface ToolCallDelta {
  readonly index: number;
  readonly id?: string;
  readonly name?: string;
  readonly argumentsDelta?: string;
}

/** What one {@link ToolCallStreamParser.push} releases. */
export interface ToolCallStreamChunk {
  content?: string;
  toolCalls?: ToolCallDelta[];
}

/** OpenAI-style call id: `call_` and 24 random alphanumerics. */
export function newToolCallId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = 'call_';
  for (const b of randomBytes(24)) s += alphabet[b % alphabet.length];
  return s;
}

/** The call inside a block, or null when the block is not a well-formed call. */
function parseCall(inner: string): { name: string; arguments: string } | null {
  let v: unknown;
  try {
    v = JSON.parse(inner.trim());
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') return null;
  const args = o.arguments ?? o.parameters ?? {};
  if (typeof args === 'string') return { name: o.name, arguments: args };
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return null;
  return { name: o.name, arguments: JSON.stringify(args) };
}

/** Splits a whole generated text into content and tool calls (ids from `newId`). */
export function parseToolCalls(text: string, newId: () => string = newToolCallId): ParsedToolCalls {
  const toolCalls: ToolCall[] = [];
  let content = '';
  let segStart = 0;
  let from = 0;
  for (;;) {
    const k = text.indexOf(OPEN, from);
    if (k < 0) break;
    const close = text.indexOf(CLOSE, k + OPEN.length);
    const inner = close < 0 ? text.slice(k + OPEN.length) : text.slice(k + OPEN.length, close);
    const end = close < 0 ? text.length : close + CLOSE.length;
    const call = parseCall(inner);
    from = end;
    if (!call) continue;
    let seg = text.slice(segStart, k);
    if (toolCalls.length > 0) seg = seg.trimStart();
    content += seg.trimEnd();
    toolCalls.push({ id: newId(), ...call });
    segStart = end;
  }
  let tail = text.slice(segStart);
  if (toolCalls.length > 0) tail = tail.trimStart();
  content += tail;
  return { content: content === '' && toolCalls.length > 0 ? null : content, toolCalls };
}

/** Length of the longest suffix of `s` that is a proper prefix of `tag` (a tag that may be starting). */
function partialTagLength(s: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) if (s.endsWith(tag.slice(0, n))) return n;
  return 0;
}

/**
 * Incremental {@link parseToolCalls}: content passes through as it arrives, except a possible
 * `<tool_call>` prefix and trailing whitespace (which a call would swallow), held until decided; a
 * call is released when its closing tag arrives (or at {@link end}) as a name delta and an
 * arguments delta.
 */
export class ToolCallStreamParser {
  private buf = '';
  private inCall = false;
  /** Text before the open tag of the block being read (content unless the block is a valid call). */
  private pre = '';
  private afterCall = false;
  private calls = 0;

  constructor(private readonly newId: () => string = newToolCallId) {}

  /** Adds generated text and returns what became final. */
  push(text: string): ToolCallStreamChunk {
    this.buf += text;
    return this.drain(false);
  }

  /** Ends the stream: releases held text and an unterminated block. */
  end(): ToolCallStreamChunk {
    return this.drain(true);
  }

  /** Number of calls released so far. */
  get toolCallCount(): number {
    return this.calls;
  }

  private drain(final: boolean): ToolCallStreamChunk {
    let content = '';
    const deltas: ToolCallDelta[] = [];
    for (;;) {
      if (!this.inCall) {
        if (this.afterCall) {
          this.buf = this.buf.trimStart();
          if (this.buf === '') break;
          this.afterCall = false;
        }
        const k = this.buf.indexOf(OPEN);
        if (k >= 0) {
          this.pre = this.buf.slice(0, k);
          this.buf = this.buf.slice(k + OPEN.length);
          this.inCall = true;
          continue;
        }
        if (final) {
          content += this.buf;
          this.buf = '';
          break;
        }
        const cut = this.buf.length - partialTagLength(this.buf, OPEN);
        const keep = this.buf.slice(0, cut).trimEnd().length;
        content += this.buf.slice(0, keep);
        this.buf = this.buf.slice(keep);
        break;
      }
      const j = this.buf.indexOf(CLOSE);
      if (j < 0 && !final) break;
      const inner = j < 0 ? this.buf : this.buf.slice(0, j);
      const call = parseCall(inner);
      if (call) {
        content += this.pre.trimEnd();
        const index = this.calls++;
        deltas.push({ index, id: this.newId(), name: call.name }, { index, argumentsDelta: call.arguments });
        this.afterCall = true;
      } else {
        content += this.pre + OPEN + inner + (j < 0 ? '' : CLOSE);
      }
      this.buf = j < 0 ? '' : this.buf.slice(j + CLOSE.length);
      this.pre = '';
      this.inCall = false;
    }
    const out: ToolCallStreamChunk = {};
    if (content !== '') out.content = content;
    if (deltas.length > 0) out.toolCalls = deltas;
    return out;
  }
}
