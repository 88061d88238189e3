/**
 * `signModel`: adds an Ed25519 signature layer to a stored model. The layers are re-hashed first
 * (a corrupt or changed file is refused, not signed), then the manifest is rewritten under the
 * store lock with the new signature layer, replacing an older signature by the same key.
 */
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sha256Bytes, sha256File } from './digest.js';
import { SignatureError } from './errors.js';
import { publicKeyOf } from './keys.js';
import { type Layer, MEDIA_TYPES } from './manifest.js';
import { type ModelName, displayModelName } from './model-name.js';
import { type SignatureDoc, encodeSignature, isSignatureLayer, manifestDigest, parseSignature, signDigest } from './signing.js';
import type { Store } from './store.js';

/** What {@link signModel} returns. */
export interface SignResult {
  readonly name: ModelName;
  readonly doc: SignatureDoc;
  /** The signature blob bytes (also what a `.sig` sidecar holds). */
  readonly bytes: Buffer;
  /** The signature layer added. */
  readonly layer: Layer;
  /** Digests of older signature layers by the same key that were replaced. */
  readonly replaced: readonly string[];
}

async function keyIdOfLayer(store: Store, l: Layer): Promise<string | undefined> {
  try {
    return parseSignature(await readFile(store.blobPath(l.digest)), l.digest).keyId;
  } catch {
    return undefined; // unreadable or malformed: not ours to replace; `apr verify` reports it
  }
}

/** Signs the model `ref` with `privateKey` (Ed25519); see the module comment. */
export async function signModel(store: Store, ref: string, privateKey: KeyObject, options: { signer?: string } = {}): Promise<SignResult> {
  const { manifest } = await store.manifest(ref);
  for (const l of manifest.layers) {
    if (isSignatureLayer(l)) continue;
    const path = l.path ?? store.blobPath(l.digest);
    const { digest } = await sha256File(path).catch(() => ({ digest: 'missing' }));
    if (digest !== l.digest) {
      throw new SignatureError(`refusing to sign '${ref}': layer ${path} ${digest === 'missing' ? 'is missing' : `hashes to ${digest}, not ${l.digest}`}; 'apr rm' the model and import it again`);
    }
  }
  const hashed = manifestDigest(manifest);
  const keyId = publicKeyOf(privateKey).keyId;
  let out: Omit<SignResult, 'name'> | undefined;
  const { name } = await store.editManifest(ref, async (current) => {
    const digest = manifestDigest(current);
    if (digest !== hashed) throw new SignatureError(`model '${ref}' changed while it was being signed; sign it again`);
    const doc = signDigest(digest, privateKey, options);
    const bytes = encodeSignature(doc);
    const layer: Layer = { mediaType: MEDIA_TYPES.signature, digest: sha256Bytes(bytes), size: bytes.length };
    const kept: Layer[] = [];
    const replaced: string[] = [];
    for (const l of current.layers) {
      if (isSignatureLayer(l) && (l.digest === layer.digest || (await keyIdOfLayer(store, l)) === keyId)) replaced.push(l.digest);
      else kept.push(l);
    }
    out = { doc, bytes, layer, replaced };
    return { layers: [...kept, layer], blobs: [bytes] };
  });
  if (!out) throw new SignatureError(`signing '${displayModelName(name)}' wrote no signature`);
  return { name, ...out };
}
