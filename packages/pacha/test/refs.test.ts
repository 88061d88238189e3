import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError, RefError } from '../src/errors.js';
import { DEFAULT_HOST, displayModelName, formatModelName, parseModelName } from '../src/model-name.js';
import { pickQuantFile, resolveSource } from '../src/resolve.js';
import { formatSourceRef, parseSourceRef } from '../src/source-ref.js';
import { QWEN_CODER_QUANTS, QWEN_CODER_SIZES } from '../src/aliases.js';

const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const alnum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const word = (first: string, rest: string, max: number) =>
  fc
    .tuple(fc.constantFrom(...first), fc.array(fc.constantFrom(...rest), { maxLength: max }))
    .map(([a, b]) => a + b.join(''));
const part = word(alnum, `${alnum}._-`, 20);
const tag = word(`${alnum}_`, `${alnum}._-`, 20);
const label = word(alnum, alnum, 8);
const host = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([ls, port]) => ls.join('.') + (port === undefined ? '' : `:${port}`));
const modelName = fc.record({ host, namespace: part, name: part, tag });

describe('pacha model names', () => {
  it('parseModelName: canonical form round-trips [F-PACHA-REF-1]', () => {
    fc.assert(
      fc.property(modelName, (n) => {
        expect(parseModelName(formatModelName(n))).toEqual(n);
        // The short display form parses back to the same name too.
        expect(parseModelName(displayModelName(n))).toEqual(n);
      }),
      { numRuns: 300 },
    );
  });

  it('defaults: host registry.ollama.ai, namespace library, tag latest', () => {
    expect(parseModelName('qwen2.5-coder')).toEqual({ host: DEFAULT_HOST, namespace: 'library', name: 'qwen2.5-coder', tag: 'latest' });
    expect(parseModelName('me/m:1')).toEqual({ host: DEFAULT_HOST, namespace: 'me', name: 'm', tag: '1' });
    expect(parseModelName('localhost:5000/ns/m:t')).toEqual({ host: 'localhost:5000', namespace: 'ns', name: 'm', tag: 't' });
    expect(displayModelName(parseModelName('m'))).toBe('m:latest');
  });

  it.each(['', ':tag', 'a/b/c/d', '../x', 'x/..', 'm:', 'm:a:b', 'm:.x', 'bad host/ns/m', 'm:' + 'x'.repeat(129), 'n a m e'])(
    'rejects malformed name %j with a RefError that shows the expected form',
    (s) => {
      expect(() => parseModelName(s)).toThrow(RefError);
      expect(() => parseModelName(s)).toThrow(/expected \[host\/\]\[namespace\/\]name\[:tag\]/);
    },
  );
});

const sourceRef = fc.oneof(
  modelName.map((name) => ({ kind: 'name' as const, name })),
  fc.record({
    kind: fc.constant('hf-file' as const),
    org: part,
    repo: part,
    file: fc.tuple(fc.array(part, { maxLength: 2 }), part).map(([dirs, f]) => [...dirs, `${f}.gguf`].join('/')),
  }),
  fc.record({ kind: fc.constant('hf-quant' as const), org: part, repo: part, quant: word(`${alnum}_`, `${alnum}_`, 8) }),
  fc.record({ kind: fc.constant('ollama' as const), namespace: part, name: part, tag }),
  // URL hosts: labels start with a letter (an all-digit last label would make WHATWG parse an IPv4 address).
  fc.tuple(fc.array(word(letters, alnum, 8), { minLength: 1, maxLength: 3 }), fc.array(part, { maxLength: 3 }), part).map(([ls, dirs, f]) => ({
    kind: 'url' as const,
    url: new URL(`https://${ls.join('.')}/${[...dirs, `${f}.gguf`].join('/')}`).href,
  })),
);

describe('pacha source references', () => {
  it('parseSourceRef: canonical form round-trips for every kind [F-PACHA-REF-2]', () => {
    fc.assert(
      fc.property(sourceRef, (r) => {
        expect(parseSourceRef(formatSourceRef(r))).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });

  it('resolveSource: every reference that parses yields a plan whose store name round-trips [F-PACHA-REF-3]', () => {
    fc.assert(
      fc.property(sourceRef, (r) => {
        let plan;
        try {
          plan = resolveSource(r, {});
        } catch (err) {
          // Only the alias family can refuse a well-formed name (a tag naming no published file).
          expect(err).toBeInstanceOf(RefError);
          expect(r.kind === 'name' && r.name.name === 'qwen2.5-coder').toBe(true);
          return;
        }
        expect(parseModelName(formatModelName(plan.store))).toEqual(plan.store);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['hf://org', /names no org\/repo/],
    ['hf://org/repo', /neither a file nor a :QUANT/],
    ['hf://org/repo/readme.md', /not a \.gguf file/],
    ['hf://org/repo:Q4-K', /quant 'Q4-K'/],
    ['hf://org/repo/../x.gguf', /segment '\.\.'/],
    ['https://example.com/model.bin', /does not end in \.gguf/],
    ['https://u:p@example.com/m.gguf', /credentials/],
    ['ollama://a/b/c:d', /PACHA_OLLAMA_REGISTRY/],
    ['ftp://x/y.gguf', /unknown scheme 'ftp:\/\/'/],
  ])('rejects %s', (s, why) => {
    expect(() => parseSourceRef(s)).toThrow(RefError);
    expect(() => parseSourceRef(s)).toThrow(why);
  });
});

describe('pacha resolution', () => {
  it('Qwen2.5-Coder aliases resolve to a listing of the instruct GGUF repo and a quant (default q4_k_m) [F-PACHA-REF-4]', () => {
    for (const size of QWEN_CODER_SIZES) {
      const plan = resolveSource(`qwen2.5-coder:${size}`, {});
      const S = size.toUpperCase();
      expect(plan).toEqual({
        kind: 'hf-quant',
        listUrl: `https://huggingface.co/api/models/Qwen/Qwen2.5-Coder-${S}-Instruct-GGUF/tree/main?recursive=true`,
        resolveBase: `https://huggingface.co/Qwen/Qwen2.5-Coder-${S}-Instruct-GGUF/resolve/main/`,
        quant: 'q4_k_m',
        // Only used when the listing answers 404 (a hub mirror without the API).
        fallbackFile: `qwen2.5-coder-${size}-instruct-q4_k_m.gguf`,
        store: { host: DEFAULT_HOST, namespace: 'library', name: 'qwen2.5-coder', tag: size },
        headers: {},
      });
      for (const q of QWEN_CODER_QUANTS) {
        const p = resolveSource(`qwen2.5-coder:${size}-${q}`, {});
        expect(p).toMatchObject({ kind: 'hf-quant', quant: q, store: { name: 'qwen2.5-coder', tag: `${size}-${q}` }, fallbackFile: `qwen2.5-coder-${size}-instruct-${q}.gguf` });
      }
    }
    expect(resolveSource('qwen2.5-coder', {})).toMatchObject({
      kind: 'hf-quant',
      listUrl: expect.stringContaining('/api/models/Qwen/Qwen2.5-Coder-7B-Instruct-GGUF/tree/main'),
      quant: 'q4_k_m',
      store: { name: 'qwen2.5-coder', tag: 'latest' },
    });
    expect(() => resolveSource('qwen2.5-coder:2b', {})).toThrow(/not a built-in alias.*0\.5b, 1\.5b, 3b, 7b, 14b, 32b/);
    expect(() => resolveSource('qwen2.5-coder:1.5b-q9_9', {})).toThrow(/ollama:\/\/library\/qwen2\.5-coder:1\.5b-q9_9/);
  });

  it('HF_ENDPOINT overrides the hub; HF_TOKEN goes to the hub only', () => {
    const env = { HF_ENDPOINT: 'http://127.0.0.1:9999/', HF_TOKEN: 'secret' };
    expect(resolveSource('qwen2.5-coder:1.5b-q8_0', env)).toMatchObject({
      listUrl: 'http://127.0.0.1:9999/api/models/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/tree/main?recursive=true',
      resolveBase: 'http://127.0.0.1:9999/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/',
      headers: { authorization: 'Bearer secret' },
    });
    expect(resolveSource('hf://org/repo:Q4_K_M', env)).toMatchObject({
      kind: 'hf-quant',
      listUrl: 'http://127.0.0.1:9999/api/models/org/repo/tree/main?recursive=true',
      resolveBase: 'http://127.0.0.1:9999/org/repo/resolve/main/',
      store: { host: 'hf.co', namespace: 'org', name: 'repo', tag: 'Q4_K_M' },
      headers: { authorization: 'Bearer secret' },
    });
    expect(resolveSource('https://example.com/a/b/Model-Q8.gguf', env)).toMatchObject({
      kind: 'file',
      url: 'https://example.com/a/b/Model-Q8.gguf',
      store: { host: 'example.com', namespace: 'url', name: 'Model-Q8', tag: 'latest' },
      headers: {},
    });
    expect(resolveSource('hf://org/repo/sub/m-q4_0.gguf', env)).toMatchObject({ store: { host: 'hf.co', namespace: 'org', name: 'repo', tag: 'm-q4_0' } });
    // The first shard of a split names the model; a later shard keeps its own name.
    expect(resolveSource('hf://org/repo/m-q4_0-00001-of-00003.gguf', env)).toMatchObject({ store: { tag: 'm-q4_0' } });
    expect(resolveSource('hf://org/repo/m-q4_0-00002-of-00003.gguf', env)).toMatchObject({ store: { tag: 'm-q4_0-00002-of-00003' } });
  });

  it('Ollama references and plain names resolve to the registry (PACHA_OLLAMA_REGISTRY overrides it)', () => {
    expect(resolveSource('ollama://library/qwen2.5-coder:1.5b', {})).toMatchObject({
      kind: 'ollama',
      manifestUrl: 'https://registry.ollama.ai/v2/library/qwen2.5-coder/manifests/1.5b',
      blobBase: 'https://registry.ollama.ai/v2/library/qwen2.5-coder/blobs/',
      store: { host: DEFAULT_HOST, namespace: 'library', name: 'qwen2.5-coder', tag: '1.5b' },
    });
    expect(resolveSource('llama3.2', { PACHA_OLLAMA_REGISTRY: 'http://127.0.0.1:1234' })).toMatchObject({
      manifestUrl: 'http://127.0.0.1:1234/v2/library/llama3.2/manifests/latest',
    });
    expect(resolveSource('hf.co/bartowski/Some-GGUF:Q4_K_M', {})).toMatchObject({ kind: 'hf-quant', quant: 'Q4_K_M' });
  });

  it('pickQuantFile: whole-word quant match, unsplit file first, else every shard of a split in order [F-PACHA-REF-5]', () => {
    const files = [
      'README.md',
      'm-q4_k_m.gguf',
      'm-q4_k_s.gguf',
      'm-Q8_0-00002-of-00002.gguf',
      'm-Q8_0-00001-of-00002.gguf',
      'm-q4_0.gguf',
      'm-q4_0-00001-of-00002.gguf',
      'm-q4_0-00002-of-00002.gguf',
      'm-fp16-00003-of-00003.gguf',
      'm-fp16-00001-of-00003.gguf',
    ];
    expect(pickQuantFile(files, 'Q4_K_M')).toEqual(['m-q4_k_m.gguf']);
    // The single file wins over a split of the same quant.
    expect(pickQuantFile(files, 'q4_0')).toEqual(['m-q4_0.gguf']);
    expect(pickQuantFile(files, 'q8_0')).toEqual(['m-Q8_0-00001-of-00002.gguf', 'm-Q8_0-00002-of-00002.gguf']);
    expect(pickQuantFile(['d/x-q2_k-00003-of-00003.gguf', 'd/x-q2_k-00001-of-00003.gguf', 'd/x-q2_k-00002-of-00003.gguf'], 'Q2_K')).toEqual([
      'd/x-q2_k-00001-of-00003.gguf',
      'd/x-q2_k-00002-of-00003.gguf',
      'd/x-q2_k-00003-of-00003.gguf',
    ]);
    expect(() => pickQuantFile(files, 'fp16')).toThrow(FormatError);
    expect(() => pickQuantFile(files, 'fp16')).toThrow(/m-fp16-\*-of-00003\.gguf for quant 'fp16' is incomplete: missing m-fp16-00002-of-00003\.gguf/);
    expect(pickQuantFile(files, 'q4_k')).toBeUndefined();
    expect(pickQuantFile(files, 'f16')).toBeUndefined();
  });

  it('pickQuantFile: a listing shuffled in any order gives the same shards in shard order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.boolean(), fc.integer(), (n, withOthers, seed) => {
        const pad = (i: number) => String(i).padStart(5, '0');
        const shards = Array.from({ length: n }, (_, i) => `Q-q5_k_m-${pad(i + 1)}-of-${pad(n)}.gguf`);
        const others = withOthers ? ['Q-q5_0.gguf', 'Q-q6_k-00001-of-00002.gguf', 'README.md'] : [];
        const listing = fc.sample(fc.shuffledSubarray([...shards, ...others], { minLength: n + others.length }), { numRuns: 1, seed })[0]!;
        expect(pickQuantFile(listing, 'q5_k_m')).toEqual(shards);
      }),
      { numRuns: 50 },
    );
  });
});
