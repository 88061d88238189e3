/**
 * Resolution of a source reference to a download plan: the URLs to fetch, the headers to send and
 * the store name the manifest will be written under. No network here — fetching the plan is the
 * pull's job. Endpoints come from the environment: `HF_ENDPOINT` (default https://huggingface.co),
 * `PACHA_OLLAMA_REGISTRY` (default https://registry.ollama.ai); `HF_TOKEN` is sent as a bearer token
 * to the hub only.
 */
import { resolveAlias } from './aliases.js';
import { FormatError } from './errors.js';
import { SHARD_NAME, shardName, shardSiblings } from './split-names.js';
import { MEDIA_TYPES } from './manifest.js';
import { DEFAULT_HOST, type ModelName, sanitizeNamePart, sanitizeTag } from './model-name.js';
import { type SourceRef, parseSourceRef } from './source-ref.js';

/** Default Hugging Face endpoint. */
export const HF_DEFAULT_ENDPOINT = 'https://huggingface.co';
/** Default Ollama registry. */
export const OLLAMA_DEFAULT_REGISTRY = 'https://registry.ollama.ai';
/** Store host of models from the Hugging Face hub (as Ollama's `hf.co/org/repo:quant`). */
export const HF_STORE_HOST = 'hf.co';

/** A download plan. */
export type DownloadPlan =
  /** One file at `url` becomes the model layer. */
  | {
      readonly kind: 'file';
      readonly store: ModelName;
      readonly url: string;
      readonly mediaType: string;
      readonly headers: Readonly<Record<string, string>>;
    }
  /**
   * List the repo's files at `listUrl`, pick the `.gguf` whose name carries `quant` — or every
   * shard of a split one, in order (see {@link pickQuantFile}) — and fetch each from
   * `resolveBase + path`. `fallbackFile` (aliases only): the file fetched instead when the listing
   * answers 404 (a mirror without the hub's API).
   */
  | {
      readonly kind: 'hf-quant';
      readonly store: ModelName;
      readonly listUrl: string;
      readonly resolveBase: string;
      readonly quant: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly fallbackFile?: string;
    }
  /** Fetch the manifest at `manifestUrl`, then each layer at `blobBase + digest`, template/params kept. */
  | {
      readonly kind: 'ollama';
      readonly store: ModelName;
      readonly manifestUrl: string;
      readonly blobBase: string;
      readonly headers: Readonly<Record<string, string>>;
    };

function endpoint(v: string | undefined, fallback: string): string {
  return (v && v !== '' ? v : fallback).replace(/\/+$/, '');
}

function hfHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  return env.HF_TOKEN ? { authorization: `Bearer ${env.HF_TOKEN}` } : {};
}

function hfFile(org: string, repo: string, file: string, store: ModelName, env: NodeJS.ProcessEnv): DownloadPlan {
  const hf = endpoint(env.HF_ENDPOINT, HF_DEFAULT_ENDPOINT);
  const path = file.split('/').map(encodeURIComponent).join('/');
  return { kind: 'file', store, url: `${hf}/${org}/${repo}/resolve/main/${path}`, mediaType: MEDIA_TYPES.model, headers: hfHeaders(env) };
}

type HfQuantPlan = Extract<DownloadPlan, { kind: 'hf-quant' }>;

function hfQuant(org: string, repo: string, quant: string, store: ModelName, env: NodeJS.ProcessEnv): HfQuantPlan {
  const hf = endpoint(env.HF_ENDPOINT, HF_DEFAULT_ENDPOINT);
  return {
    kind: 'hf-quant',
    store,
    listUrl: `${hf}/api/models/${org}/${repo}/tree/main?recursive=true`,
    resolveBase: `${hf}/${org}/${repo}/resolve/main/`,
    quant,
    headers: hfHeaders(env),
  };
}

function ollama(namespace: string, name: string, tag: string, env: NodeJS.ProcessEnv): DownloadPlan {
  const reg = endpoint(env.PACHA_OLLAMA_REGISTRY, OLLAMA_DEFAULT_REGISTRY);
  return {
    kind: 'ollama',
    store: { host: DEFAULT_HOST, namespace, name, tag },
    manifestUrl: `${reg}/v2/${namespace}/${name}/manifests/${tag}`,
    blobBase: `${reg}/v2/${namespace}/${name}/blobs/`,
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  };
}

/** The file name without `.gguf` — and without `-00001-of-0000N` for the first shard of a split, which stands for the model. */
function fileStem(path: string): string {
  const stem = (path.split('/').pop() ?? path).replace(/\.gguf$/i, '');
  const m = SHARD_NAME.exec(`${stem}.gguf`);
  return m && shardSiblings(`${stem}.gguf`) ? m[1] : stem;
}

/**
 * The download plan of `ref` (a string or a parsed {@link SourceRef}). A store name that is a
 * built-in alias resolves to a listing of its hub repo and its quant (kept under the alias's store
 * name); `hf.co/org/repo:quant` to the hub repo; any other store
 * name to the Ollama registry (as `ollama pull` would). Throws `RefError` for malformed references.
 */
export function resolveSource(ref: string | SourceRef, env: NodeJS.ProcessEnv = process.env): DownloadPlan {
  const r = typeof ref === 'string' ? parseSourceRef(ref) : ref;
  switch (r.kind) {
    case 'name': {
      const alias = resolveAlias(r.name);
      if (alias) return { ...hfQuant(alias.org, alias.repo, alias.quant, r.name, env), fallbackFile: alias.file };
      if (r.name.host === HF_STORE_HOST) return resolveSource({ kind: 'hf-quant', org: r.name.namespace, repo: r.name.name, quant: r.name.tag }, env);
      return ollama(r.name.namespace, r.name.name, r.name.tag, env);
    }
    case 'hf-file':
      return hfFile(r.org, r.repo, r.file, { host: HF_STORE_HOST, namespace: r.org, name: r.repo, tag: sanitizeTag(fileStem(r.file)) }, env);
    case 'hf-quant':
      return hfQuant(r.org, r.repo, r.quant, { host: HF_STORE_HOST, namespace: r.org, name: r.repo, tag: sanitizeTag(r.quant) }, env);
    case 'url': {
      const u = new URL(r.url);
      const hf = new URL(endpoint(env.HF_ENDPOINT, HF_DEFAULT_ENDPOINT));
      return {
        kind: 'file',
        store: { host: u.host, namespace: 'url', name: sanitizeNamePart(fileStem(u.pathname)), tag: 'latest' },
        url: u.href,
        mediaType: MEDIA_TYPES.model,
        // The token goes to the hub only, never to an arbitrary host.
        headers: u.host === hf.host ? hfHeaders(env) : {},
      };
    }
    case 'ollama':
      return ollama(r.namespace, r.name, r.tag, env);
  }
}

/**
 * Picks the file(s) for `quant` from a hub repo's file paths: among the `.gguf` files whose name
 * contains the quant as a whole word (case-insensitive), an unsplit file (returned alone), else
 * every shard of the first split one (llama.cpp's `<prefix>-00001-of-0000N.gguf` …
 * `-0000N-of-0000N.gguf`, returned in shard order). Undefined when nothing matches. Throws
 * {@link FormatError} naming the missing shard(s) when the listing holds only some of a split.
 */
export function pickQuantFile(paths: readonly string[], quant: string): string[] | undefined {
  const q = quant.toLowerCase();
  const re = new RegExp(`(^|[^a-z0-9])${q.replace(/[^a-z0-9_]/g, '')}([^a-z0-9_]|$)`);
  const hits = paths.filter((p) => p.toLowerCase().endsWith('.gguf') && re.test((p.split('/').pop() ?? p).toLowerCase()));
  const single = hits.find((p) => !SHARD_NAME.test(p));
  if (single) return [single];
  // Every hit is a shard here; the split of the first one listed is picked.
  const first = hits.length ? SHARD_NAME.exec(hits[0]) : null;
  if (!first) return undefined;
  const [prefix, count] = [first[1], Number(first[3])];
  const shards: string[] = [];
  const missing: string[] = [];
  for (let i = 1; i <= count; i++) {
    const want = shardName(prefix, i, count);
    // Same prefix and numbering as shard `first`, in any letter case the listing uses for `.gguf`.
    const got = hits.find((p) => p.toLowerCase() === want.toLowerCase());
    if (got) shards.push(got);
    else missing.push(want);
  }
  if (count < 1 || missing.length) {
    throw new FormatError(
      `the split GGUF ${prefix}-*-of-${first[3]}.gguf for quant '${quant}' is incomplete: ` +
        `${missing.length ? `missing ${missing.join(', ')}` : 'its shard count is 0'}; the repository holds ${hits.join(', ')}`,
    );
  }
  return shards;
}
