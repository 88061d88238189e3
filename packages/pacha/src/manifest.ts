/**
 * Manifests: the JSON file at `manifests/<host>/<namespace>/<name>/<tag>` listing a model's layers
 * by digest. A layer is a blob in `blobs/`, or — for `import --link` — a file left in place, recorded
 * with its path, size and mtime so a later change to it is noticed.
 *
 * Split models: a GGUF split into llama.cpp shards (`<prefix>-00001-of-0000N.gguf` …) is stored
 * as N layers of media type {@link MEDIA_TYPES}.model, one per shard, in shard order (shard 1,
 * which holds the metadata, first). The blobs are named by digest, so the order of the model
 * layers is the only record of which shard is which: a loader is given {@link modelLayers}' paths
 * as the ordered shard list. A manifest with one model layer is an unsplit GGUF.
 */
import { isDigest } from './digest.js';
import { FormatError } from './errors.js';

/** Layer kinds and their media types (Ollama's, so Ollama manifests map one to one). */
export const MEDIA_TYPES = {
  model: 'application/vnd.ollama.image.model',
  template: 'application/vnd.ollama.image.template',
  params: 'application/vnd.ollama.image.params',
  license: 'application/vnd.ollama.image.license',
  signature: 'application/vnd.pacha.signature',
} as const;

/** One of the layer kinds: model, template, params, license, signature. */
export type LayerKind = keyof typeof MEDIA_TYPES;

/** One manifest layer. */
export interface Layer {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  /** Linked layers only: the file in place (absolute path) and its mtime when it was imported. */
  readonly path?: string;
  readonly mtimeMs?: number;
}

/** A model manifest. */
export interface Manifest {
  readonly schemaVersion: 2;
  readonly layers: readonly Layer[];
  /** ISO 8601 time the manifest was written. */
  readonly created: string;
}

/** The kind of a layer from its media type, undefined for unknown types. */
export function layerKind(mediaType: string): LayerKind | undefined {
  return (Object.keys(MEDIA_TYPES) as LayerKind[]).find((k) => MEDIA_TYPES[k] === mediaType);
}

/** Parses and validates manifest JSON; throws {@link FormatError} naming the bad field. */
export function parseManifest(text: string, source: string): Manifest {
  const bad = (why: string) => new FormatError(`manifest ${source}: ${why}; remove it with 'apr rm' and import or pull the model again`);
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw bad('not valid JSON');
  }
  const o = m as Partial<Manifest>;
  if (typeof o !== 'object' || o === null) throw bad('not a JSON object');
  if (o.schemaVersion !== 2) throw bad(`schemaVersion is ${JSON.stringify(o.schemaVersion)}, expected 2`);
  if (!Array.isArray(o.layers)) throw bad('layers is not an array');
  o.layers.forEach((l, i) => {
    if (typeof l?.mediaType !== 'string') throw bad(`layers[${i}].mediaType is not a string`);
    if (typeof l.digest !== 'string' || !isDigest(l.digest)) throw bad(`layers[${i}].digest is not sha256:<64 hex>`);
    if (!Number.isSafeInteger(l.size) || l.size < 0) throw bad(`layers[${i}].size is not a byte count`);
    if (l.path !== undefined && typeof l.path !== 'string') throw bad(`layers[${i}].path is not a string`);
  });
  if (typeof o.created !== 'string') throw bad('created is not a string');
  return o as Manifest;
}

/** The model layer (the GGUF) of a manifest, if any: the first shard of a split model. */
export function modelLayer(m: Manifest): Layer | undefined {
  return m.layers.find((l) => l.mediaType === MEDIA_TYPES.model);
}

/** Every model layer of a manifest in order: one for a GGUF file, one per shard (in shard order) for a split GGUF. */
export function modelLayers(m: Manifest): Layer[] {
  return m.layers.filter((l) => l.mediaType === MEDIA_TYPES.model);
}
