/**
 * Store names `[host/][namespace/]name[:tag]`, as in Ollama: `qwen2.5-coder:1.5b` is
 * `registry.ollama.ai/library/qwen2.5-coder:1.5b`. A name maps to the manifest file
 * `manifests/<host>/<namespace>/<name>/<tag>`, so every component is checked to be a safe path
 * segment (it starts with a letter or digit, hence never `.` or `..`).
 */
import { RefError } from './errors.js';

/** Host of names given without one (Ollama's registry). */
export const DEFAULT_HOST = 'registry.ollama.ai';
/** Namespace of names given without one. */
export const DEFAULT_NAMESPACE = 'library';
/** Tag of names given without one. */
export const DEFAULT_TAG = 'latest';

/** A fully qualified store name. */
export interface ModelName {
  readonly host: string;
  readonly namespace: string;
  readonly name: string;
  readonly tag: string;
}

const HOST_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$/;
const PART_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** True when `s` is a valid tag (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`). */
export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}

/** True when `s` is a valid name or namespace component. */
export function isNamePart(s: string): boolean {
  return PART_RE.test(s);
}

/** Replaces characters a tag cannot hold with `-` (used to derive tags from file names). */
export function sanitizeTag(s: string): string {
  const t = s.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[.-]+/, '').slice(0, 128);
  return t === '' ? DEFAULT_TAG : t;
}

/** Replaces characters a name part cannot hold with `-`. */
export function sanitizeNamePart(s: string): string {
  const t = s.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[._-]+/, '').slice(0, 80);
  return t === '' ? 'model' : t;
}

/**
 * Parses `[host/][namespace/]name[:tag]`. The tag is the text after a colon in the last segment, so
 * a host with a port (`localhost:5000/ns/m:t`) parses. Throws {@link RefError} on malformed input.
 */
export function parseModelName(ref: string): ModelName {
  const s = ref.trim();
  const bad = (why: string) =>
    new RefError(`invalid model name '${ref}': ${why}; expected [host/][namespace/]name[:tag], e.g. qwen2.5-coder:1.5b`);
  if (s === '') throw bad('it is empty');
  const slash = s.lastIndexOf('/');
  const last = s.slice(slash + 1);
  const colon = last.indexOf(':');
  const tag = colon < 0 ? DEFAULT_TAG : last.slice(colon + 1);
  const parts = [...(slash < 0 ? [] : s.slice(0, slash).split('/')), colon < 0 ? last : last.slice(0, colon)];
  if (parts.length > 3) throw bad(`it has ${parts.length} path segments (at most 3: host/namespace/name)`);
  const [host, namespace, name] =
    parts.length === 3 ? parts : parts.length === 2 ? [DEFAULT_HOST, parts[0], parts[1]] : [DEFAULT_HOST, DEFAULT_NAMESPACE, parts[0]];
  if (!HOST_RE.test(host)) throw bad(`host '${host}' is not a host name`);
  if (!PART_RE.test(namespace)) throw bad(`namespace '${namespace}' must match [A-Za-z0-9][A-Za-z0-9._-]*`);
  if (!PART_RE.test(name)) throw bad(`name '${name}' must match [A-Za-z0-9][A-Za-z0-9._-]* (at most 80 characters)`);
  if (!TAG_RE.test(tag)) throw bad(`tag '${tag}' must match [A-Za-z0-9_][A-Za-z0-9._-]* (at most 128 characters)`);
  return { host, namespace, name, tag };
}

/** `host/namespace/name:tag`, the canonical form ({@link parseModelName} inverts it). */
export function formatModelName(n: ModelName): string {
  return `${n.host}/${n.namespace}/${n.name}:${n.tag}`;
}

/** The short form users type: default host and namespace left out, as `ollama list` prints. */
export function displayModelName(n: ModelName): string {
  if (n.host !== DEFAULT_HOST) return formatModelName(n);
  return n.namespace === DEFAULT_NAMESPACE ? `${n.name}:${n.tag}` : `${n.namespace}/${n.name}:${n.tag}`;
}
