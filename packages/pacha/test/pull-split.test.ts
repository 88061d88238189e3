/**
 * Split GGUFs (llama.cpp shards `<prefix>-00001-of-0000N.gguf` …) pulled from the loopback hub:
 * every shard becomes a model layer of one manifest, in shard order, each verified against its
 * own lfs.oid; the built-in alias lists its repo and takes the split quant; and the store's show,
 * verify, cp, rm and GC handle several model layers.
 */
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MEDIA_TYPES, modelLayers } from '../src/manifest.js';
import { DigestMismatchError, RemoteFormatError } from '../src/pull/errors.js';
import { type PullEvent, pull } from '../src/pull/pull.js';
import { NotFoundError } from '../src/errors.js';
import { FAST, blobDir, ggufBytes, hubAndStore } from './pull-helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const REPO = 'Qwen/Qwen2.5-Coder-7B-Instruct-GGUF';

describe('pull: split GGUFs', () => {
  it('hf-quant: every shard is pulled as a model layer, in shard order, verified against its lfs.oid', async () => {
    const s1 = ggufBytes(40_000, 21);
    const s2 = ggufBytes(30_000, 22);
    const s3 = ggufBytes(20_000, 23);
    const h = await hubAndStore({
      files: {
        // Listed out of order, beside another quant.
        'org/split/m-q4_0-00003-of-00003.gguf': s3,
        'org/split/m-q4_0-00001-of-00003.gguf': s1,
        'org/split/m-q4_0-00002-of-00003.gguf': s2,
        'org/split/m-q8_0.gguf': ggufBytes(1000, 24),
      },
      linkedEtag: false,
    });
    cleanup = h.done;
    const r = await pull(h.store, 'hf.co/org/split:Q4_0', { env: h.env, ...FAST });
    expect(r.manifest.layers.map((l) => l.mediaType)).toEqual([MEDIA_TYPES.model, MEDIA_TYPES.model, MEDIA_TYPES.model]);
    expect(r.manifest.layers.map((l) => l.digest)).toEqual([s1, s2, s3].map((b) => `sha256:${h.hub.sha(b)}`));
    expect(r.modelPaths.map((p) => readFileSync(p))).toEqual([s1, s2, s3]);
    expect(r.modelPath).toBe(r.modelPaths[0]);
    const show = await h.store.show('hf.co/org/split:Q4_0');
    expect(show.modelPaths).toEqual(r.modelPaths);
    expect(show.size).toBe(s1.length + s2.length + s3.length);
    // No X-Linked-Etag: a corrupt second shard is caught by its own lfs.oid, and no manifest is written.
    await h.store.rm('hf.co/org/split:Q4_0');
    h.hub.setFaults([{ kind: 'flip', at: 500, times: Infinity, blob: h.hub.sha(s2) }]);
    await expect(pull(h.store, 'hf.co/org/split:Q4_0', { env: h.env, ...FAST })).rejects.toThrow(DigestMismatchError);
    await expect(pull(h.store, 'hf.co/org/split:Q4_0', { env: h.env, ...FAST })).rejects.toThrow(`expected sha256:${h.hub.sha(s2)}`);
    expect(await h.store.names()).toEqual([]);
  });

  it('a listing that lacks a shard is a RemoteFormatError naming it; nothing is downloaded', async () => {
    const h = await hubAndStore({ files: { 'org/split/m-q4_0-00001-of-00003.gguf': ggufBytes(1000, 1), 'org/split/m-q4_0-00003-of-00003.gguf': ggufBytes(1000, 3) } });
    cleanup = h.done;
    const p = pull(h.store, 'hf.co/org/split:Q4_0', { env: h.env, ...FAST });
    await expect(p).rejects.toThrow(RemoteFormatError);
    await expect(pull(h.store, 'hf.co/org/split:Q4_0', { env: h.env, ...FAST })).rejects.toThrow(/incomplete: missing m-q4_0-00002-of-00003\.gguf/);
    expect(h.hub.dataRequests()).toBe(0);
  });

  it('alias qwen2.5-coder:7b: the repo listing has a 2-shard q4_k_m, both shards are pulled under the alias name', async () => {
    const a = ggufBytes(50_000, 31);
    const b = ggufBytes(45_000, 32);
    const h = await hubAndStore({
      files: {
        [`${REPO}/qwen2.5-coder-7b-instruct-q4_k_m-00001-of-00002.gguf`]: a,
        [`${REPO}/qwen2.5-coder-7b-instruct-q4_k_m-00002-of-00002.gguf`]: b,
        [`${REPO}/qwen2.5-coder-7b-instruct-q8_0.gguf`]: ggufBytes(2000, 33),
        [`${REPO}/README.md`]: Buffer.from('# Qwen'),
      },
    });
    cleanup = h.done;
    const events: PullEvent[] = [];
    const r = await pull(h.store, 'qwen2.5-coder:7b', { env: h.env, ...FAST, onProgress: (e) => events.push(e) });
    expect(r.display).toBe('qwen2.5-coder:7b');
    expect(modelLayers(r.manifest).map((l) => l.digest)).toEqual([`sha256:${h.hub.sha(a)}`, `sha256:${h.hub.sha(b)}`]);
    expect(readFileSync(r.modelPaths[1]!).equals(b)).toBe(true);
    expect(h.hub.requests.some((q) => q.path === `/api/models/${REPO}/tree/main`)).toBe(true);
    // The single-file quant of the same repo is one layer.
    const q8 = await pull(h.store, 'qwen2.5-coder:7b-q8_0', { env: h.env, ...FAST });
    expect(modelLayers(q8.manifest).length).toBe(1);
    expect(events.at(-1)?.status).toBe('success');
  });

  it('alias against a hub without the listing API (404): the conventional single file is fetched by name', async () => {
    const one = ggufBytes(30_000, 41);
    const h = await hubAndStore({ files: { [`${REPO}/qwen2.5-coder-7b-instruct-q4_k_m.gguf`]: one }, noListing: true });
    cleanup = h.done;
    const events: PullEvent[] = [];
    const r = await pull(h.store, 'qwen2.5-coder:7b', { env: h.env, ...FAST, onProgress: (e) => events.push(e) });
    expect(readFileSync(r.modelPath).equals(one)).toBe(true);
    expect(events.some((e) => /answered 404: fetching qwen2\.5-coder-7b-instruct-q4_k_m\.gguf by name/.test(e.status))).toBe(true);
    // A non-alias hf-quant reference has no fallback: the 404 is an error.
    await expect(pull(h.store, `hf.co/${REPO}:Q4_K_M`, { env: h.env, ...FAST })).rejects.toThrow(/404/);
  });

  it('hf:// of the first shard pulls every shard (named as llama.cpp names them) under the model stem', async () => {
    const s1 = ggufBytes(20_000, 51);
    const s2 = ggufBytes(20_000, 52);
    const h = await hubAndStore({ files: { 'org/r/m-00001-of-00002.gguf': s1, 'org/r/m-00002-of-00002.gguf': s2 } });
    cleanup = h.done;
    const r = await pull(h.store, 'hf://org/r/m-00001-of-00002.gguf', { env: h.env, ...FAST });
    expect(r.display).toBe('hf.co/org/r:m');
    expect(r.modelPaths.map((p) => readFileSync(p))).toEqual([s1, s2]);
  });

  it('store: list, verify, cp and rm with several model layers; rm collects every shard', async () => {
    const s1 = ggufBytes(20_000, 61);
    const s2 = ggufBytes(25_000, 62);
    const h = await hubAndStore({ files: { 'org/s/x-q4_0-00001-of-00002.gguf': s1, 'org/s/x-q4_0-00002-of-00002.gguf': s2 } });
    cleanup = h.done;
    const r = await pull(h.store, 'hf.co/org/s:q4_0', { env: h.env, ...FAST });
    const [row] = await h.store.list();
    expect(row!.size).toBe(s1.length + s2.length);
    expect(await h.store.verify()).toMatchObject({ checked: 2, bytes: s1.length + s2.length, problems: [] });
    await h.store.cp('hf.co/org/s:q4_0', 'mine:split');
    expect((await h.store.show('mine:split')).modelPaths).toEqual(r.modelPaths);
    // A damaged second shard is reported by verify.
    const keep = readFileSync(r.modelPaths[1]!);
    writeFileSync(r.modelPaths[1]!, Buffer.concat([keep.subarray(0, 100), Buffer.from('x'), keep.subarray(101)]));
    const v = await h.store.verify();
    expect(v.problems.map((p) => p.digest)).toEqual([r.manifest.layers[1]!.digest]);
    writeFileSync(r.modelPaths[1]!, keep);
    await h.store.rm('hf.co/org/s:q4_0');
    expect(r.modelPaths.every((p) => existsSync(p))).toBe(true); // still used by mine:split
    const gone = await h.store.rm('mine:split');
    expect(gone.blobsRemoved.sort()).toEqual(r.manifest.layers.map((l) => l.digest).sort());
    expect(blobDir(h.home).blobs).toEqual([]);
  });

  it('store: importing the first shard of a split brings every shard (copied or linked), in order; a missing one is named', async () => {
    const h = await hubAndStore({});
    cleanup = h.done;
    const src = join(h.home, '..', 'src');
    mkdirSync(src, { recursive: true });
    const data = [ggufBytes(3000, 71), ggufBytes(4000, 72), ggufBytes(5000, 73)];
    const paths = data.map((d, i) => {
      const p = join(src, `m-q8_0-0000${i + 1}-of-00003.gguf`);
      writeFileSync(p, d);
      return p;
    });
    const r = await h.store.import(paths[0]!, 'split:copy');
    expect(r).toMatchObject({ digest: `sha256:${h.hub.sha(data[0]!)}`, size: 12_000, linked: false, deduplicated: false });
    const s = await h.store.show('split:copy');
    expect(s.modelPaths.map((p) => readFileSync(p))).toEqual(data);
    const l = await h.store.import(paths[0]!, 'split:link', { link: true });
    expect(l.linked).toBe(true);
    expect((await h.store.show('split:link')).modelPaths).toEqual(paths);
    expect((await h.store.import(paths[0]!, 'split:again')).deduplicated).toBe(true);
    // A later shard alone is imported as the one file it is.
    expect((await h.store.import(paths[1]!, 'one:shard')).size).toBe(4000);
    unlinkSync(paths[2]!);
    await expect(h.store.import(paths[0]!, 'split:broken')).rejects.toThrow(NotFoundError);
    await expect(h.store.import(paths[0]!, 'split:broken')).rejects.toThrow(/m-q8_0-00003-of-00003\.gguf is missing: .* shard 1 of a split GGUF of 3 shards \(shard 3 not found\)/);
  });
});
