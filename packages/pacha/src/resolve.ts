/**
 * Resolution of a source reference to a download plan: the URLs to fetch, the headers to send and
 * the store name the manifest will be written under. No network here — fetching the plan is the
 * pull's job. Endpoints come from the environment: `HF_ENDPOINT` (default https://huggingface.co),
 * `PACHA_OLLAMA_REGISTRY` (default https://registry.ollama.ai); `HF_TOKEN` is sent as a bearer token
 * to the hub only.
 */
import { resolveAlias } from './aliases.js';
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
  /** List the repo's files at `listUrl`, pick the `.gguf` whose name carries `quant`, fetch it from `resolveBase + path`. */
  | {
      readonly kind: 'hf-quant';
      readonly store: ModelName;
      readonly listUrl: string;
      readonly resolveBase: string;
      readonly quant: string;
      readonly headers: Readonly<Record<string, string>>;
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

function fileStem(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.gguf$/i, '');
}

/**
 * The download plan of `ref` (a string or a parsed {@link SourceRef}). A store name that is a
 * built-in alias resolves to its hub file; `hf.co/org/repo:quant` to the hub repo; any other store
 * name to the Ollama registry (as `ollama pull` would). Throws `RefError` for malformed references.
 */
export function resolveSource(ref: string | SourceRef, env: NodeJS.ProcessEnv = process.env): DownloadPlan {
  const r = typeof ref === 'string' ? parseSourceRef(ref) : ref;
  switch (r.kind) {
    case 'name': {
      const alias = resolveAlias(r.name);
      if (alias) return hfFile(alias.org, alias.repo, alias.file, r.name, env);
      if (r.name.host === HF_STORE_HOST) return resolveSource({ kind: 'hf-quant', org: r.name.namespace, repo: r.name.name, quant: r.name.tag }, env);
      return ollama(r.name.namespace, r.name.name, r.name.tag, env);
    }
    case 'hf-file':
      return hfFile(r.org, r.repo, r.file, { host: HF_STORE_HOST, namespace: r.org, name: r.repo, tag: sanitizeTag(fileStem(r.file)) }, env);
    case 'hf-quant': {
      const hf = endpoint(env.HF_ENDPOINT, HF_DEFAULT_ENDPOINT);
      return {
        kind: 'hf-quant',
        store: { host: HF_STORE_HOST, namespace: r.org, name: r.repo, tag: sanitizeTag(r.quant) },
        listUrl: `${hf}/api/models/${r.org}/${r.repo}/tree/main?recursive=true`,
        resolveBase: `${hf}/${r.org}/${r.repo}/resolve/main/`,
        quant: r.quant,
        headers: hfHeaders(env),
      };
    }
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
 * Picks the file for `quant` from a hub repo's file paths: the `.gguf` whose name contains the quant
 * as a whole word (case-insensitive), preferring an unsplit file, else the first part of a split
 * (`-00001-of-0000N`). Undefined when none matches.
 */
export function pickQuantFile(paths: readonly string[], quant: string): string | undefined {
  const q = quant.toLowerCase();
  const re = new RegExp(`(^|[^a-z0-9])${q.replace(/[^a-z0-9_]/g, '')}([^a-z0-9_]|$)`);
  const hits = paths.filter((p) => p.toLowerCase().endsWith('.gguf') && re.test((p.split('/').pop() ?? p).toLowerCase()));
  return hits.find((p) => !/-\d{5}-of-\d{5}\.gguf$/i.test(p)) ?? hits.find((p) => /-00001-of-\d{5}\.gguf$/i.test(p));
}
