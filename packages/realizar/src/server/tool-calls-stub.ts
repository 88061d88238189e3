/**
 * Minimal Hermes `<tool_call>` parser with the interface of the json helper's `tool-calls.ts`,
 * used until that lands (the lead drops this file and repoints the one import in
 * `tool-call-parser.ts`). Parses `<tool_call>{"name":..,"arguments":{..}}</tool_call>` blocks.
 */

/** One parsed call; `arguments` is JSON text (OpenAI's shape). */
export interface ParsedToolCall {
  readonly name: string;
  readonly arguments: string;
}

/** A streamed piece of a tool call (complete calls are emitted whole here). */
export interface ToolCallDelta {
  readonly index: number;
  readonly name?: string;
  readonly arguments?: string;
}

const OPEN = '<tool_call>';
const CLOSE = '</tool_call>';

function parseOne(body: string): ParsedToolCall | null {
  try {
    const v = JSON.parse(body) as { name?: unknown; arguments?: unknown; parameters?: unknown };
    if (typeof v?.name !== 'string') return null;
    const args = v.arguments ?? v.parameters ?? {};
    return { name: v.name, arguments: typeof args === 'string' ? args : JSON.stringify(args) };
  } catch {
    return null;
  }
}

/** Splits `text` into content (outside the blocks, null when blank) and the tool calls. */
export function parseToolCalls(text: string): { content: string | null; toolCalls: ParsedToolCall[] } {
  const toolCalls: ParsedToolCall[] = [];
  let content = '';
  let i = 0;
  for (;;) {
    const a = text.indexOf(OPEN, i);
    const b = a < 0 ? -1 : text.indexOf(CLOSE, a + OPEN.length);
    const call = b < 0 ? null : parseOne(text.slice(a + OPEN.length, b).trim());
    if (a < 0 || b < 0 || !call) {
      content += text.slice(i);
      break;
    }
    content += text.slice(i, a);
    toolCalls.push(call);
    i = b + CLOSE.length;
  }
  const c = content.trim();
  return { content: c === '' ? null : toolCalls.length > 0 ? c : content, toolCalls };
}

/** Streaming version: text outside blocks flows through; each block comes out as one delta when closed. */
export class ToolCallStreamParser {
  private buf = '';
  private inCall = false;
  private count = 0;

  push(text: string): { content?: string; toolCallDeltas?: ToolCallDelta[] } {
    this.buf += text;
    let content = '';
    const deltas: ToolCallDelta[] = [];
    for (;;) {
      if (!this.inCall) {
        const a = this.buf.indexOf(OPEN);
        if (a >= 0) {
          content += this.buf.slice(0, a);
          this.buf = this.buf.slice(a + OPEN.length);
          this.inCall = true;
          continue;
        }
        // Hold back a suffix that may be the start of `<tool_call>`.
        let keep = 0;
        for (let k = Math.min(OPEN.length - 1, this.buf.length); k > 0; k--) {
          if (OPEN.startsWith(this.buf.slice(-k))) {
            keep = k;
            break;
          }
        }
        content += this.buf.slice(0, this.buf.length - keep);
        this.buf = this.buf.slice(this.buf.length - keep);
        break;
      }
      const b = this.buf.indexOf(CLOSE);
      if (b < 0) break;
      const call = parseOne(this.buf.slice(0, b).trim());
      if (call) deltas.push({ index: this.count++, name: call.name, arguments: call.arguments });
      else content += OPEN + this.buf.slice(0, b + CLOSE.length);
      this.buf = this.buf.slice(b + CLOSE.length);
      this.inCall = false;
    }
    return { ...(content ? { content } : {}), ...(deltas.length ? { toolCallDeltas: deltas } : {}) };
  }

  /** Flushes what is held back (an unterminated block is returned as content). */
  end(): { content?: string; toolCallDeltas?: ToolCallDelta[] } {
    const rest = (this.inCall ? OPEN : '') + this.buf;
    this.buf = '';
    this.inCall = false;
    return rest ? { content: rest } : {};
  }
}
