/**
 * Source references: where a model comes from.
 *
 * - `name[:tag]` (a store name; aliases such as `qwen2.5-coder:1.5b` map to hub files)
 * - `hf://org/repo/path/file.gguf`   one file of a Hugging Face repo
 * - `hf://org/repo:QUANT`            the repo's file with that quant (picked from its file list)
 * - `https://host/…/file.gguf`       a plain URL (`http://` too, for local mirrors)
 * - `ollama://[namespace/]name[:tag]` a model of the Ollama registry
 */
import { RefError } from './errors.js';
import { type ModelName, formatModelName, isNamePart, parseModelName } from './model-name.js';

/** A parsed source reference. */
export type SourceRef =
  | { readonly kind: 'name'; readonly name: ModelName }
  | { readonly kind: 'hf-file'; readonly org: string; readonly repo: string; readonly file: string }
  | { readonly kind: 'hf-quant'; readonly org: string; readonly repo: string; readonly quant: string }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'ollama'; readonly namespace: string; readonly name: string; readonly tag: string };

const QUANT_RE = /^[A-Za-z0-9_]+$/;
const FILE_SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

function bad(ref: string, why: string, expected: string): RefError {
  return new RefError(`invalid model reference '${ref}': ${why}; expected ${expected}`);
}

function parseHf(ref: string, rest: string): SourceRef {
  const expected = 'hf://org/repo/file.gguf or hf://org/repo:QUANT';
  const parts = rest.split('/');
  if (parts.length < 2 || parts[0] === '' || parts[1] === '') throw bad(ref, 'it names no org/repo', expected);
  const [org, repoPart, ...fileParts] = parts;
  if (!isNamePart(org)) throw bad(ref, `org '${org}' is not a hub name`, expected);
  if (fileParts.length === 0) {
    const colon = repoPart.indexOf(':');
    if (colon < 0) throw bad(ref, 'it names neither a file nor a :QUANT', expected);
    const repo = repoPart.slice(0, colon);
    const quant = repoPart.slice(colon + 1);
    if (!isNamePart(repo)) throw bad(ref, `repo '${repo}' is not a hub name`, expected);
    if (!QUANT_RE.test(quant)) throw bad(ref, `quant '${quant}' must be letters, digits and _ (e.g. Q4_K_M)`, expected);
    return { kind: 'hf-quant', org, repo, quant };
  }
  if (!isNamePart(repoPart)) throw bad(ref, `repo '${repoPart}' is not a hub name`, expected);
  for (const seg of fileParts) if (!FILE_SEGMENT_RE.test(seg)) throw bad(ref, `file path segment '${seg}' is not allowed`, expected);
  const file = fileParts.join('/');
  if (!file.toLowerCase().endsWith('.gguf')) throw bad(ref, `'${file}' is not a .gguf file`, expected);
  return { kind: 'hf-file', org, repo: repoPart, file };
}

function parseUrl(ref: string): SourceRef {
  const expected = 'https://host/path/file.gguf';
  let u: URL;
  try {
    u = new URL(ref);
  } catch {
    throw bad(ref, 'it is not a URL', expected);
  }
  if (u.username || u.password) throw bad(ref, 'credentials in URLs are not accepted (use HF_TOKEN)', expected);
  if (!u.pathname.toLowerCase().endsWith('.gguf')) throw bad(ref, 'the path does not end in .gguf', expected);
  return { kind: 'url', url: u.href };
}

function parseOllama(ref: string, rest: string): SourceRef {
  if (rest.split('/').length > 2) {
    throw bad(ref, 'a host belongs in PACHA_OLLAMA_REGISTRY, not in the reference', 'ollama://[namespace/]name[:tag]');
  }
  let n: ModelName;
  try {
    n = parseModelName(rest);
  } catch (err) {
    throw bad(ref, (err as Error).message, 'ollama://[namespace/]name[:tag]');
  }
  return { kind: 'ollama', namespace: n.namespace, name: n.name, tag: n.tag };
}

/** Parses a source reference; throws {@link RefError} saying what is wrong and what was expected. */
export function parseSourceRef(ref: string): SourceRef {
  const s = ref.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'name', name: parseModelName(s) };
  const rest = s.slice(scheme.length + 3);
  switch (scheme) {
    case 'hf':
      return parseHf(ref, rest);
    case 'https':
    case 'http':
      return parseUrl(s);
    case 'ollama':
      return parseOllama(ref, rest);
    default:
      throw bad(ref, `unknown scheme '${scheme}://'`, 'name[:tag], hf://…, https://…/file.gguf or ollama://…');
  }
}

/** The canonical text of a source reference ({@link parseSourceRef} inverts it). */
export function formatSourceRef(r: SourceRef): string {
  switch (r.kind) {
    case 'name':
      return formatModelName(r.name);
    case 'hf-file':
      return `hf://${r.org}/${r.repo}/${r.file}`;
    case 'hf-quant':
      return `hf://${r.org}/${r.repo}:${r.quant}`;
    case 'url':
      return r.url;
    case 'ollama':
      return `ollama://${r.namespace}/${r.name}:${r.tag}`;
  }
}
