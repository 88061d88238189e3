/**
 * Hermes tool-call parsing [F-TOOL-n]: whole-text parsing of Qwen2.5's format, malformed blocks kept
 * as content, and streaming split at arbitrary points giving the whole-text result.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ParsedToolCalls, type ToolCallStreamChunk, ToolCallStreamParser, parseToolCalls } from './tool-calls.js';

const counter = () => {
  let n = 0;
  return () => `call_${n++}`;
};

/** Runs the stream parser over `chunks` and assembles its output like an OpenAI client would. */
function streamed(chunks: readonly string[]): ParsedToolCalls {
  const p = new ToolCallStreamParser(counter());
  let content = '';
  const calls: { id: string; name: string; arguments: string }[] = [];
  const take = (c: ToolCallStreamChunk) => {
    if (c.content !== undefined) {
      expect(c.content).not.toBe('');
      content += c.content;
    }
    for (const d of c.toolCalls ?? []) {
      if (d.name !== undefined) {
        expect(d.index).toBe(calls.length);
        calls.push({ id: d.id!, name: d.name, arguments: '' });
      }
      if (d.argumentsDelta !== undefined) calls[d.index].arguments += d.argumentsDelta;
    }
  };
  for (const c of chunks) take(p.push(c));
  take(p.end());
  return { content: content === '' && calls.length > 0 ? null : content, toolCalls: calls };
}

describe('parseToolCalls', () => {
  it('parses Qwen2.5 calls with text before them', () => {
    const text =
      'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}\n</tool_call>\n' +
      '<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>';
    const r = parseToolCalls(text, counter());
    expect(r.content).toBe('Let me check.');
    expect(r.toolCalls).toEqual([
      { id: 'call_0', name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' },
      { id: 'call_1', name: 'get_time', arguments: '{}' },
    ]);
    expect(JSON.parse(r.toolCalls[0].arguments)).toEqual({ city: 'Paris', unit: 'c' });
  });

  it('gives null content when only calls were generated, and OpenAI-style ids', () => {
    const r = parseToolCalls('<tool_call>\n{"name": "f", "arguments": {"x": [1, 2]}}\n</tool_call>');
    expect(r.content).toBeNull();
    expect(r.toolCalls[0].id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(r.toolCalls[0].arguments).toBe('{"x":[1,2]}');
  });

  it('accepts an unterminated final call (generation stopped at EOS before the closing tag)', () => {
    const r = parseToolCalls('<tool_call>\n{"name": "f", "arguments": {"a": 1}}\n', counter());
    expect(r.toolCalls).toEqual([{ id: 'call_0', name: 'f', arguments: '{"a":1}' }]);
  });

  it('keeps malformed blocks as content and never throws', () => {
    for (const bad of [
      '<tool_call>\n{"name": "f", "arguments": {"a": 1}\n</tool_call>',
      '<tool_call>\n{"arguments": {}}\n</tool_call>',
      '<tool_call>not json</tool_call>',
      '<tool_call>\n{"name": "f", "arguments": 3}\n</tool_call>',
      '<tool_call>\n{"name": "f", "argu',
    ]) {
      const r = parseToolCalls(`before ${bad} after`, counter());
      expect(r.toolCalls).toEqual([]);
      expect(r.content).toBe(`before ${bad} after`);
    }
  });

  it('plain text passes through unchanged', () => {
    expect(parseToolCalls('Hello <tool world </tool_call> \n')).toEqual({ content: 'Hello <tool world </tool_call> \n', toolCalls: [] });
  });
});

/** Texts made of content, valid calls, malformed blocks and tag fragments. */
const pieceArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(' ', '\n', '\n\n', '<', '<tool', '<tool_call', '</tool_call>', '<tool_call>', 'text <b>', 'x'),
  fc
    .record({ name: fc.string({ minLength: 1, maxLength: 6 }), args: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) })
    .map(({ name, args }) => `<tool_call>\n${JSON.stringify({ name, arguments: args })}\n</tool_call>`),
  fc.constantFrom('<tool_call>\n{"name": "f", "arguments": {\n</tool_call>', '<tool_call>{"name":"g"}</tool_call>', '<tool_call>\n{"name": "h", "arguments": {"q": "a</tool_'),
);

describe('ToolCallStreamParser', () => {
  it('streaming split at random points gives the whole-text result [F-TOOL-1]', () => {
    fc.assert(
      fc.property(fc.array(pieceArb, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (pieces, cuts) => {
        const text = pieces.join('');
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(text.slice(prev, p));
          prev = p;
        }
        chunks.push(text.slice(prev));
        expect(streamed(chunks)).toEqual(parseToolCalls(text, counter()));
        // One character at a time, the finest split.
        expect(streamed([...text])).toEqual(parseToolCalls(text, counter()));
      }),
      { numRuns: 400 },
    );
  });

  it('passes content through before a call and holds back only a possible tag', () => {
    const p = new ToolCallStreamParser(counter());
    expect(p.push('Sure, ')).toEqual({ content: 'Sure,' });
    expect(p.push('checking.\n<tool')).toEqual({ content: ' checking.' });
    expect(p.push('_call>\n{"name": "f", ')).toEqual({});
    expect(p.push('"arguments": {"a": 1}}\n</tool_call>')).toEqual({
      toolCalls: [{ index: 0, id: 'call_0', name: 'f' }, { index: 0, argumentsDelta: '{"a":1}' }],
    });
    expect(p.end()).toEqual({});
  });
});
