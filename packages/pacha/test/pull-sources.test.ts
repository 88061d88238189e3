import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MEDIA_TYPES } from '../src/manifest.js';
import { PullError } from '../src/pull/errors.js';
import { nextPageUrl } from '../src/pull/hub-listing.js';
import { type PullEvent, pull } from '../src/pull/pull.js';
import { FAST, blobDir, ggufBytes, hubAndStore } from './pull-helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('pull: sources', () => {
  it('ollama registry: every layer kept (model, template, params, license), manifest written last', async () => {
    const model = ggufBytes(70_000, 3);
    const template = Buffer.from('{{ .Prompt }}');
    const params = Buffer.from('{"stop":["<|im_end|>"]}');
    const license = Buffer.from('Apache-2.0');
    const h = await hubAndStore({
      ollama: {
        'library/qwen2.5-coder:0.5b': [
          { mediaType: MEDIA_TYPES.model, data: model },
          { mediaType: MEDIA_TYPES.template, data: template },
          { mediaType: MEDIA_TYPES.params, data: params },
          { mediaType: MEDIA_TYPES.license, data: license },
        ],
      },
    });
    cleanup = h.done;
    const r = await pull(h.store, 'ollama://library/qwen2.5-coder:0.5b', { env: h.env, ...FAST });
    expect(r.display).toBe('qwen2.5-coder:0.5b');
    expect(r.manifest.layers.map((l) => l.mediaType)).toEqual([MEDIA_TYPES.model, MEDIA_TYPES.template, MEDIA_TYPES.params, MEDIA_TYPES.license]);
    for (const [l, data] of r.manifest.layers.map((l, i) => [l, [model, template, params, license][i]!] as const)) {
      expect(l.digest).toBe(`sha256:${h.hub.sha(data)}`);
      expect(readFileSync(h.store.blobPath(l.digest)).equals(data)).toBe(true);
    }
    const show = await h.store.show('qwen2.5-coder:0.5b');
    expect(show.modelPath).toBe(r.modelPath);
    // A second pull of the same name fetches nothing.
    const before = h.hub.dataRequests();
    await pull(h.store, 'ollama://library/qwen2.5-coder:0.5b', { env: h.env, ...FAST });
    expect(h.hub.dataRequests()).toBe(before);
  });

  it('hf-quant: lists the repo, picks the quant file, verifies against lfs.oid', async () => {
    const q4 = ggufBytes(40_000, 4);
    const q8 = ggufBytes(50_000, 8);
    const h = await hubAndStore({ files: { 'org/repo-GGUF/model-q4_k_m.gguf': q4, 'org/repo-GGUF/model-q8_0.gguf': q8, 'org/repo-GGUF/README.md': Buffer.from('hi') }, linkedEtag: false });
    cleanup = h.done;
    const events: PullEvent[] = [];
    const r = await pull(h.store, 'hf.co/org/repo-GGUF:Q8_0', { env: h.env, ...FAST, onProgress: (e) => events.push(e) });
    expect(readFileSync(r.modelPath).equals(q8)).toBe(true);
    expect(r.manifest.layers[0]!.digest).toBe(`sha256:${h.hub.sha(q8)}`);
    expect(events.some((e) => /publishes no sha256/.test(e.status))).toBe(false); // lfs.oid was the expected digest
    // No X-Linked-Etag here, so only lfs.oid can catch corrupt bytes.
    h.hub.setFaults([{ kind: 'flip', at: 100, times: Infinity }]);
    await expect(pull(h.store, 'hf.co/org/repo-GGUF:Q4_K_M', { env: h.env, ...FAST })).rejects.toThrow(`expected sha256:${h.hub.sha(q4)}`);
    h.hub.setFaults([]);
    await expect(pull(h.store, 'hf.co/org/repo-GGUF:Q5_K_M', { env: h.env, ...FAST })).rejects.toThrow(
      /no \.gguf file for quant 'Q5_K_M'.*files: model-q4_k_m\.gguf, model-q8_0\.gguf/,
    );
  });

  it('hf-quant: a listing split over pages (Link rel="next") is followed to the quant on the last page', async () => {
    const files: Record<string, Buffer> = { 'org/big-GGUF/README.md': Buffer.from('hi') };
    for (const q of ['q2_k', 'q3_k_m', 'q4_0', 'q4_k_m', 'q5_k_m', 'q6_k']) files[`org/big-GGUF/m-${q}.gguf`] = ggufBytes(20_000, q.length);
    const q8 = ggufBytes(30_000, 8);
    files['org/big-GGUF/m-q8_0.gguf'] = q8;
    const h = await hubAndStore({ files, listingPageSize: 2 });
    cleanup = h.done;
    const r = await pull(h.store, 'hf.co/org/big-GGUF:Q8_0', { env: h.env, ...FAST });
    expect(readFileSync(r.modelPath).equals(q8)).toBe(true);
    const pages = h.hub.requests.filter((q) => q.path.endsWith('/tree/main'));
    expect(pages.length).toBe(4); // 8 entries, 2 per page
  });

  it('nextPageUrl: the rel="next" target of a Link header, resolved against the page URL', () => {
    const base = 'https://hub.example/api/models/o/r/tree/main?recursive=true';
    expect(nextPageUrl('<https://hub.example/api/models/o/r/tree/main?cursor=abc>; rel="next"', base)).toBe('https://hub.example/api/models/o/r/tree/main?cursor=abc');
    expect(nextPageUrl('</api/x?cursor=2>; rel=next', base)).toBe('https://hub.example/api/x?cursor=2');
    expect(nextPageUrl('</a>; rel="prev", </b>; rel="next last"', base)).toBe('https://hub.example/b');
    expect(nextPageUrl('</a>; rel="prev"', base)).toBeUndefined();
    expect(nextPageUrl(undefined, base)).toBeUndefined();
  });

  it('plain https URL with no published digest: the computed digest is recorded and said so', async () => {
    const data = ggufBytes(30_000, 5);
    const h = await hubAndStore({ plain: { 'x.gguf': data } });
    cleanup = h.done;
    const events: PullEvent[] = [];
    const r = await pull(h.store, `${h.hub.url}/files/x.gguf`, { env: h.env, ...FAST, onProgress: (e) => events.push(e) });
    expect(r.manifest.layers[0]!.digest).toBe(`sha256:${h.hub.sha(data)}`);
    expect(events.map((e) => e.status)).toContain(`${h.hub.url}/files/x.gguf publishes no sha256: recorded the computed digest sha256:${h.hub.sha(data)}`);
  });

  it('a `<url>.sig` sidecar becomes a signature layer; a 404 means none', async () => {
    const data = ggufBytes(20_000, 6);
    const sig = Buffer.from('{"sig":"abc"}');
    const h = await hubAndStore({ files: { 'org/r/a.gguf': data, 'org/r/a.gguf.sig': sig, 'org/r/b.gguf': ggufBytes(20_000, 7) } });
    cleanup = h.done;
    const a = await pull(h.store, 'hf://org/r/a.gguf', { env: h.env, ...FAST });
    expect(a.manifest.layers.map((l) => l.mediaType)).toEqual([MEDIA_TYPES.model, MEDIA_TYPES.signature]);
    expect(readFileSync(h.store.blobPath(a.manifest.layers[1]!.digest)).equals(sig)).toBe(true);
    const b = await pull(h.store, 'hf://org/r/b.gguf', { env: h.env, ...FAST });
    expect(b.manifest.layers.map((l) => l.mediaType)).toEqual([MEDIA_TYPES.model]);
  });

  it('Authorization goes to the hub host only, not to a CDN on another host', async () => {
    const data = ggufBytes(20_000, 9);
    const h = await hubAndStore({ files: { 'org/r/a.gguf': data }, cdnHost: 'localhost' });
    cleanup = h.done;
    await pull(h.store, 'hf://org/r/a.gguf', { env: { ...h.env, HF_TOKEN: 'secret' }, ...FAST });
    const resolve = h.hub.requests.filter((q) => q.path.includes('/resolve/'));
    const cdn = h.hub.requests.filter((q) => q.path.startsWith('/cdn/'));
    expect(resolve.length).toBeGreaterThan(0);
    expect(resolve.every((q) => q.authorization === 'Bearer secret')).toBe(true);
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((q) => q.authorization === undefined && q.host?.startsWith('localhost:'))).toBe(true);
  });

  it('beforeCommitManifest throwing: no manifest, the downloaded blobs are collected', async () => {
    const data = ggufBytes(20_000, 10);
    const h = await hubAndStore({ files: { 'org/r/a.gguf': data } });
    cleanup = h.done;
    let seen = '';
    await expect(
      pull(h.store, 'hf://org/r/a.gguf', {
        env: h.env,
        ...FAST,
        beforeCommitManifest: async (m, blobPath) => {
          seen = blobPath(m.layers[0]!.digest);
          expect(existsSync(seen)).toBe(true);
          throw new PullError('no signature');
        },
      }),
    ).rejects.toThrow('no signature');
    expect(existsSync(seen)).toBe(false);
    expect(await h.store.names()).toEqual([]);
    expect(blobDir(h.home).blobs).toEqual([]);
  });

  it('a file that is not a GGUF is refused and collected', async () => {
    const h = await hubAndStore({ plain: { 'x.gguf': Buffer.from('<html>not found</html>') } });
    cleanup = h.done;
    await expect(pull(h.store, `${h.hub.url}/files/x.gguf`, { env: h.env, ...FAST })).rejects.toThrow(/is not a GGUF file/);
    expect(blobDir(h.home).blobs).toEqual([]);
  });
});
