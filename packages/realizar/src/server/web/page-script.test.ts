import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WEB_METRIC_NAMES } from './metric-names.js';
import { WEB_PAGE_CSP, WEB_PAGE_HTML } from './page.js';
import { WEB_PAGE_SCRIPT } from './page-script.js';

interface SseEvent {
  event: string;
  data: string;
}
interface PageFns {
  parsePrometheus(text: string): Record<string, number>;
  createSseParser(onEvent: (e: SseEvent) => void): { push(chunk: string): void; end(): void };
  METRICS: Record<string, string>;
}

// The very text the browser runs, evaluated in Node (no `document`, so only its pure part runs).
const page = new Function(`${WEB_PAGE_SCRIPT}\nreturn { parsePrometheus, createSseParser, METRICS };`)() as PageFns;

function parseAll(chunks: readonly string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const p = page.createSseParser((e) => events.push(e));
  for (const c of chunks) p.push(c);
  p.end();
  return events;
}

/** Splits `text` at the given cut points (any positions, even inside a CRLF). */
function split(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(text.slice(prev, c));
    prev = c;
  }
  out.push(text.slice(prev));
  return out;
}

describe('web page script', () => {
  it('is self-contained: no external URL, no template hole left, CSP allows only itself', () => {
    expect(WEB_PAGE_HTML).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//);
    expect(WEB_PAGE_HTML).not.toMatch(/https?:\/\//);
    expect(WEB_PAGE_SCRIPT).not.toContain('__METRIC_NAMES__');
    expect(WEB_PAGE_SCRIPT).not.toMatch(/<\/script/i);
    expect(WEB_PAGE_CSP).toContain("default-src 'none'");
    expect(WEB_PAGE_CSP).toContain("connect-src 'self'");
    expect(WEB_PAGE_CSP).not.toContain('unsafe-inline');
  });

  it('carries the metric names the server exports', () => {
    expect(page.METRICS).toEqual(WEB_METRIC_NAMES);
  });

  it('parsePrometheus reads samples, sums label sets and skips comments', () => {
    const text = [
      '# HELP apr_requests_total Requests served.',
      '# TYPE apr_requests_total counter',
      'apr_requests_total{endpoint="chat",status="200"} 7',
      'apr_requests_total{endpoint="completions",status="200"} 5 1700000000000',
      'apr_decode_tokens_per_second 12.5',
      'apr_queue_depth 3',
      'apr_label_with_brace{path="/a}b",q="x\\"y"} 2',
      'weird_inf +Inf',
      'not a sample line',
      '',
    ].join('\n');
    const m = page.parsePrometheus(text);
    expect(m.apr_requests_total).toBe(12);
    expect(m.apr_decode_tokens_per_second).toBe(12.5);
    expect(m.apr_queue_depth).toBe(3);
    expect(m.apr_label_with_brace).toBe(2);
    expect(m.weird_inf).toBe(Infinity);
    expect(Object.keys(m)).not.toContain('not');
  });

  it('SSE parser: OpenAI-style stream gives one event per data block, [DONE] included', () => {
    const stream = 'data: {"a":1}\n\n: keep-alive\n\nevent: ping\ndata: x\ndata: y\n\ndata: [DONE]\n\n';
    expect(parseAll([stream])).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'ping', data: 'x\ny' },
      { event: 'message', data: '[DONE]' },
    ]);
  });

  it('SSE parser: any chunking of a stream, with LF, CRLF or CR line ends, gives the same events [F-WEB-1]', () => {
    const payload = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ''));
    fc.assert(
      fc.property(
        fc.array(fc.record({ event: fc.constantFrom('', 'message', 'delta'), lines: fc.array(payload, { minLength: 1, maxLength: 3 }) }), { maxLength: 6 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.nat(), { maxLength: 10 }),
        (events, eol, cuts) => {
          let text = '';
          for (const e of events) {
            if (e.event) text += `event: ${e.event}${eol}`;
            for (const l of e.lines) text += `data: ${l}${eol}`;
            text += eol;
          }
          const expected = events.map((e) => ({ event: e.event || 'message', data: e.lines.join('\n') }));
          expect(parseAll(split(text, cuts))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('SSE parser: a last event without its blank line is still delivered at end()', () => {
    expect(parseAll(['data: tail'])).toEqual([{ event: 'message', data: 'tail' }]);
  });
});
