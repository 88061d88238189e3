/**
 * `pull(store, ref)`: resolves the reference to a download plan, fetches every layer's blob
 * (download.ts), and writes the manifest only once every blob is committed. A split GGUF (llama.cpp
 * shards) becomes one model layer per shard, in shard order (see manifest.ts). Events mirror
 * `ollama pull`'s stream: pulling manifest → pulling <digest> (total/completed) → verifying sha256
 * digest → writing manifest → success.
 */
import { open } from 'node:fs/promises';
import { FormatError } from '../errors.js';
import { type Layer, MEDIA_TYPES, type Manifest, modelLayers } from '../manifest.js';
import { type ModelName, displayModelName } from '../model-name.js';
import { type DownloadPlan, pickQuantFile, resolveSource } from '../resolve.js';
import type { SourceRef } from '../source-ref.js';
import { shardSiblings } from '../split-names.js';
import type { Store } from '../store.js';
import { type BlobRequest, type DownloadOptions, downloadBlob } from './download.js';
import { PullError, RemoteFormatError } from './errors.js';
import { fetchHubListing } from './hub-listing.js';
import { openRequest, readBody } from './http.js';
import { withRetries } from './retry.js';

/** One progress event (the shape of Ollama's `/api/pull` stream, plus `note`). */
export interface PullEvent {
  readonly status: string;
  readonly digest?: string;
  readonly total?: number;
  readonly completed?: number;
}

/** Options of {@link pull}. */
export interface PullOptions extends Omit<DownloadOptions, 'onProgress' | 'onNote' | 'onVerify'> {
  /** Environment for endpoints and tokens (HF_ENDPOINT, HF_TOKEN, PACHA_OLLAMA_REGISTRY); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly onProgress?: (event: PullEvent) => void;
  /**
   * Runs after every blob is stored and before the manifest is written; throwing aborts the pull:
   * no manifest is written and the blobs this pull downloaded are garbage-collected.
   */
  readonly beforeCommitManifest?: (manifest: Manifest, blobPath: (digest: string) => string) => Promise<void>;
}

/** What {@link pull} returns. */
export interface PullResult {
  readonly name: ModelName;
  readonly display: string;
  readonly manifest: Manifest;
  /** The GGUF blob (the first shard of a split model). */
  readonly modelPath: string;
  /** Every model blob in order: one, or the shards of a split GGUF in shard order. */
  readonly modelPaths: readonly string[];
  /** Digests fetched by this pull (the others were already stored). */
  readonly downloaded: readonly string[];
}

/** A layer to fetch: a remote blob, or bytes already in hand (a small signature file). */
type Wanted = { readonly mediaType: string; readonly req: BlobRequest } | { readonly mediaType: string; readonly bytes: Buffer };

const short = (d: string) => d.replace(/^sha256:/, '').slice(0, 12);

/** GETs a small body; a status in `absent` (e.g. 404) resolves to undefined instead of failing. */
async function getSmall(url: string, headers: Readonly<Record<string, string>>, o: PullOptions, absent: readonly number[]): Promise<Buffer | undefined> {
  return withRetries(async () => {
    const r = await openRequest(url, { headers, signal: o.signal, stallMs: o.stallMs ?? 30_000, okStatus: [...absent] });
    if (r.status !== 200) {
      r.res.resume();
      return undefined;
    }
    return readBody(r.res, o.stallMs ?? 30_000);
  }, o, `GET ${url}`);
}

function parseJson(bytes: Buffer | undefined, url: string): unknown {
  try {
    return JSON.parse(bytes?.toString('utf8') ?? '');
  } catch {
    throw new RemoteFormatError(`${url} did not answer with JSON; check HF_ENDPOINT / PACHA_OLLAMA_REGISTRY point at a hub or registry`);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const OPTIONAL = [403, 404, 410] as const;

const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

/**
 * The URLs of all shards when `url` names the first shard of a split GGUF
 * (`<prefix>-00001-of-0000N.gguf`, N > 1, no query string); undefined otherwise.
 */
function shardUrls(url: string): string[] | undefined {
  const u = new URL(url);
  const names = u.search === '' && u.hash === '' ? shardSiblings(u.pathname) : undefined;
  return names?.map((pathname) => Object.assign(new URL(url), { pathname }).href);
}

/** The layers a plan names (the hub listing or registry manifest is fetched here). */
async function wantedLayers(plan: DownloadPlan, o: PullOptions): Promise<Wanted[]> {
  switch (plan.kind) {
    case 'file': {
      // The first shard of a split GGUF brings its siblings, named as llama.cpp names them.
      const urls = shardUrls(plan.url) ?? [plan.url];
      const sigBase = urls[0];
      const out: Wanted[] = urls.map((url) => ({ mediaType: plan.mediaType, req: { url, headers: plan.headers } }));
      const sig = await getSmall(`${sigBase}.sig`, plan.headers, o, OPTIONAL);
      if (sig) out.push({ mediaType: MEDIA_TYPES.signature, bytes: sig });
      return out;
    }
    case 'hf-quant': {
      const list = await fetchHubListing(plan.listUrl, plan.headers, o, plan.fallbackFile ? [404] : []);
      if (list === undefined && plan.fallbackFile) {
        // No listing API (a mirror of resolve/ only): the alias's conventional single-file name.
        o.onProgress?.({ status: `${plan.listUrl} answered 404: fetching ${plan.fallbackFile} by name` });
        return wantedLayers({ kind: 'file', store: plan.store, url: `${plan.resolveBase}${encodePath(plan.fallbackFile)}`, mediaType: MEDIA_TYPES.model, headers: plan.headers }, o);
      }
      if (list === undefined) throw new RemoteFormatError(`${plan.listUrl}: no file listing`);
      const files = list as Array<{ type?: string; path?: string; size?: number; lfs?: { oid?: string; size?: number } }>;
      const paths = files.filter((f) => f.type === 'file' && typeof f.path === 'string').map((f) => f.path!);
      const repoUrl = plan.listUrl.replace(/\/tree\/main.*$/, '');
      let picked: string[] | undefined;
      try {
        picked = pickQuantFile(paths, plan.quant);
      } catch (err) {
        throw new RemoteFormatError(`${repoUrl}: ${(err as Error).message}`);
      }
      if (!picked) {
        const ggufs = paths.filter((p) => p.toLowerCase().endsWith('.gguf'));
        throw new PullError(
          `no .gguf file for quant '${plan.quant}' in ${repoUrl}; ` + (ggufs.length ? `files: ${ggufs.join(', ')}` : 'the repository has no .gguf files'),
        );
      }
      const urls = picked.map((p) => `${plan.resolveBase}${encodePath(p)}`);
      // One model layer per shard, in shard order, each verified against its own lfs.oid.
      const out: Wanted[] = picked.map((p, i) => {
        const entry = files.find((f) => f.path === p)!;
        const oid = entry.lfs?.oid?.toLowerCase();
        return {
          mediaType: MEDIA_TYPES.model,
          req: { url: urls[i], headers: plan.headers, digest: oid && HEX64.test(oid) ? `sha256:${oid}` : undefined, size: entry.lfs?.size ?? entry.size },
        };
      });
      if (paths.includes(`${picked[0]}.sig`)) {
        const sig = await getSmall(`${urls[0]}.sig`, plan.headers, o, []);
        if (sig) out.push({ mediaType: MEDIA_TYPES.signature, bytes: sig });
      }
      return out;
    }
    case 'ollama': {
      const m = parseJson(await getSmall(plan.manifestUrl, plan.headers, o, []), plan.manifestUrl) as { layers?: unknown };
      if (!Array.isArray(m?.layers)) throw new RemoteFormatError(`${plan.manifestUrl}: the registry manifest has no layers array`);
      return (m.layers as Array<{ mediaType?: string; digest?: string; size?: number }>).map((l, i) => {
        if (typeof l.mediaType !== 'string' || typeof l.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(l.digest) || !Number.isSafeInteger(l.size)) {
          throw new RemoteFormatError(`${plan.manifestUrl}: layers[${i}] is not {mediaType, digest: sha256:<hex>, size}`);
        }
        return { mediaType: l.mediaType, req: { url: `${plan.blobBase}${l.digest}`, digest: l.digest, size: l.size } };
      });
    }
  }
}

async function assertGGUFBlob(path: string, what: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead < 4 || head.toString('latin1') !== 'GGUF') {
      throw new FormatError(`${what} is not a GGUF file (its first bytes are not 'GGUF'); pull a .gguf file`);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Pulls `ref` into `store`: every layer's blob, then the manifest. Resumes an interrupted pull;
 * blobs already stored are not fetched. Throws PullError subclasses (HttpStatusError,
 * DigestMismatchError, DiskSpaceError, PullAbortedError) or RefError for a malformed reference.
 */
export async function pull(store: Store, ref: string | SourceRef, o: PullOptions = {}): Promise<PullResult> {
  const plan = resolveSource(ref, o.env ?? process.env);
  const emit = (e: PullEvent) => o.onProgress?.(e);
  emit({ status: 'pulling manifest' });
  const wanted = await wantedLayers(plan, o);
  const downloaded: string[] = [];
  let hookRan = false;
  // A concurrent `apr rm` may collect a blob between its download and the manifest write; then
  // commitManifest reports it missing and the loop fetches it again (bounded).
  for (let round = 0; ; round++) {
    const layers: Layer[] = [];
    for (const w of wanted) {
      if ('bytes' in w) {
        const { digest, size } = await store.putBlob(w.bytes);
        downloaded.push(digest);
        layers.push({ mediaType: w.mediaType, digest, size });
        continue;
      }
      const label = w.req.digest ? `pulling ${short(w.req.digest)}` : `pulling ${w.req.url.split('/').pop()}`;
      const r = await downloadBlob(store.blobsDir, w.req, {
        ...o,
        onProgress: (p) => emit({ status: p.digest ? `pulling ${short(p.digest)}` : label, digest: p.digest, total: p.total, completed: p.completed }),
        onNote: (status) => emit({ status }),
        onVerify: () => emit({ status: 'verifying sha256 digest' }),
      });
      if (r.downloaded) downloaded.push(r.digest);
      else emit({ status: `pulling ${short(r.digest)}`, digest: r.digest, total: r.size, completed: r.size });
      layers.push({ mediaType: w.mediaType, digest: r.digest, size: r.size });
    }
    const manifest: Manifest = { schemaVersion: 2, layers, created: new Date().toISOString() };
    const models = modelLayers(manifest);
    if (models.length === 0) throw new RemoteFormatError(`${displayModelName(plan.store)}: the pulled manifest has no model layer (${MEDIA_TYPES.model})`);
    try {
      for (const [i, m] of models.entries()) {
        const what = models.length > 1 ? `shard ${i + 1} of ${models.length} of ${displayModelName(plan.store)}` : `the model layer of ${displayModelName(plan.store)}`;
        await assertGGUFBlob(store.blobPath(m.digest), what);
      }
      if (o.beforeCommitManifest && !hookRan) await o.beforeCommitManifest(manifest, (d) => store.blobPath(d));
      hookRan = true;
    } catch (err) {
      // Rejected content: nothing references what this pull fetched, so it goes. (An abort or a
      // network failure keeps committed blobs and partial state, so the next pull resumes.)
      await store.dropUnreferenced([...new Set(downloaded)]).catch(() => undefined);
      throw err;
    }
    emit({ status: 'writing manifest' });
    const missing = await store.commitManifest(plan.store, layers);
    if (missing.length === 0) {
      emit({ status: 'success' });
      const modelPaths = models.map((m) => store.blobPath(m.digest));
      return { name: plan.store, display: displayModelName(plan.store), manifest, modelPath: modelPaths[0], modelPaths, downloaded };
    }
    if (round >= 2) throw new PullError(`blobs ${missing.join(', ')} keep disappearing during the pull (another apr rm/gc?); pull again`);
  }
}
