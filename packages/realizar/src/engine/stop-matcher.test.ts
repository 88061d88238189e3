import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StopStringMatcher } from './stop-matcher.js';

describe('StopStringMatcher', () => {
  it('holds back a possible stop prefix and cuts at the earliest stop', () => {
    const m = new StopStringMatcher(['</s>', 'END', '']);
    expect(m.push('ab<')).toEqual({ text: 'ab', stopped: false });
    expect(m.held).toBe('<');
    expect(m.push('/x')).toEqual({ text: '</x', stopped: false });
    expect(m.push('E')).toEqual({ text: '', stopped: false });
    expect(m.push('N</s>END')).toEqual({ text: 'EN', stopped: true, stop: '</s>' });
    expect(m.push('more')).toEqual({ text: '', stopped: true });
    expect(m.flush()).toBe('');
    const n = new StopStringMatcher(['xyz']);
    n.push('abx');
    expect(n.flush()).toBe('x');
    expect(new StopStringMatcher().push('anything')).toEqual({ text: 'anything', stopped: false });
  });

  it('stop matcher: emitted text equals the input cut before the earliest stop, however it is split [F-GEN-2]', () => {
    const chars = fc.constantFrom('a', 'b', 'c', '<', '>');
    const str = (max: number) => fc.array(chars, { maxLength: max }).map((x) => x.join(''));
    fc.assert(
      fc.property(fc.array(str(6), { maxLength: 10 }), fc.array(str(4), { maxLength: 3 }), (pieces, stops) => {
        const m = new StopStringMatcher(stops);
        const full = pieces.join('');
        let out = '';
        let stopped = false;
        for (const p of pieces) {
          const r = m.push(p);
          out += r.text;
          // Whatever was emitted can never be retracted: it is a prefix of the final answer.
          stopped = r.stopped;
          if (stopped) break;
        }
        if (!stopped) out += m.flush();
        let cut = -1;
        for (const s of stops.filter((s) => s.length > 0)) {
          const i = full.indexOf(s);
          if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        expect(out).toBe(cut >= 0 ? full.slice(0, cut) : full);
        expect(stopped).toBe(cut >= 0);
      }),
      { numRuns: 500 },
    );
  });
});
