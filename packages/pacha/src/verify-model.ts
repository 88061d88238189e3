/**
 * Verifying a stored model: every layer re-hashed against its digest, every signature layer checked
 * against the manifest digest and the trusted keys ({@link verifyModel}); and the cheaper check a
 * pull runs before it commits a manifest ({@link requireTrustedSignature}).
 */
import { readFile, stat } from 'node:fs/promises';
import { sha256Bytes, sha256File } from './digest.js';
import { PachaError, SignatureError } from './errors.js';
import { type Layer, type Manifest, layerKind } from './manifest.js';
import { type ModelName, displayModelName } from './model-name.js';
import { type SignatureDoc, checkSignature, isSignatureLayer, manifestDigest, parseSignature } from './signing.js';
import type { Store } from './store.js';
import { type TrustedKey, listTrustedKeys } from './trusted-keys.js';

/** Overall verdict of {@link verifyModel}. */
export type ModelSignatureStatus = 'signed-trusted' | 'signed-untrusted' | 'unsigned' | 'invalid';

/** Verdict on one signature layer. */
export type SignatureLayerStatus = 'trusted' | 'untrusted' | 'bad-signature' | 'payload-mismatch' | 'malformed';

/** One layer of a {@link ModelVerifyReport}. */
export interface LayerCheck {
  readonly kind: string;
  readonly digest: string;
  readonly size: number;
  /** The file hashed: the blob, or the linked file. */
  readonly path: string;
  readonly ok: boolean;
  /** What the content hashes to, when it could be read. */
  readonly actual?: string;
  readonly problem?: string;
}

/** One signature of a {@link ModelVerifyReport}. */
export interface SignatureLayerCheck {
  /** Digest of the signature layer. */
  readonly digest: string;
  readonly status: SignatureLayerStatus;
  readonly keyId?: string;
  readonly signer?: string;
  readonly created?: string;
  readonly problem?: string;
}

/** What {@link verifyModel} returns. */
export interface ModelVerifyReport {
  readonly name: string;
  readonly status: ModelSignatureStatus;
  /** The digest the signatures must cover (see signing.ts). */
  readonly manifestDigest: string;
  readonly layers: readonly LayerCheck[];
  readonly signatures: readonly SignatureLayerCheck[];
  /** One line per problem, for people. */
  readonly problems: readonly string[];
}

/** Trusted keys by key ID. */
export type TrustedKeySet = ReadonlyMap<string, Pick<TrustedKey, 'keyId' | 'publicKey'>>;

/** The trusted keys of a store as a {@link TrustedKeySet}. */
export async function loadTrustedKeys(root: string): Promise<TrustedKeySet> {
  return new Map((await listTrustedKeys(root)).map((k) => [k.keyId, k]));
}

/** Checks one signature blob's bytes against `expected` and the trusted keys. */
function judgeSignature(bytes: Buffer, layer: Layer, expected: string, trusted: TrustedKeySet): SignatureLayerCheck {
  let doc: SignatureDoc;
  try {
    doc = parseSignature(bytes, layer.digest);
  } catch (err) {
    if (!(err instanceof PachaError)) throw err;
    return { digest: layer.digest, status: 'malformed', problem: err.message };
  }
  const who = { digest: layer.digest, keyId: doc.keyId, signer: doc.signer, created: doc.created };
  const check = checkSignature(doc, expected);
  if (check === 'bad-signature') {
    return { ...who, status: check, problem: `signature by key ${doc.keyId} does not verify: the signature document was altered or not made by that key` };
  }
  if (check === 'payload-mismatch') {
    return { ...who, status: check, problem: `signature by key ${doc.keyId} covers ${doc.manifestDigest}, but the model's layers digest to ${expected}: the layers are not the ones that were signed` };
  }
  const t = trusted.get(doc.keyId);
  if (!t || t.publicKey !== doc.publicKey) return { ...who, status: 'untrusted', problem: `key ${doc.keyId} is not trusted` };
  return { ...who, status: 'trusted' };
}

function verdict(layersOk: boolean, sigs: readonly SignatureLayerCheck[]): ModelSignatureStatus {
  if (!layersOk || sigs.some((s) => s.status !== 'trusted' && s.status !== 'untrusted')) return 'invalid';
  if (sigs.length === 0) return 'unsigned';
  return sigs.some((s) => s.status === 'trusted') ? 'signed-trusted' : 'signed-untrusted';
}

async function hashLayer(store: Store, l: Layer): Promise<LayerCheck> {
  const path = l.path ?? store.blobPath(l.digest);
  const base = { kind: layerKind(l.mediaType) ?? l.mediaType, digest: l.digest, size: l.size, path };
  try {
    await stat(path);
  } catch {
    return { ...base, ok: false, problem: `${base.kind} layer ${l.digest}: ${l.path ? 'linked file' : 'blob'} ${path} is missing` };
  }
  const { digest, size } = await sha256File(path);
  if (digest !== l.digest || size !== l.size) {
    return {
      ...base,
      ok: false,
      actual: digest,
      problem: `${base.kind} layer ${path} is corrupt: expected ${l.digest} (${l.size} B), content hashes to ${digest} (${size} B)`,
    };
  }
  return { ...base, ok: true, actual: digest };
}

/**
 * Verifies the model `ref`: re-hashes every layer (blobs and linked files) against its digest, and
 * checks every signature layer (Ed25519 signature, covered manifest digest, trust). `trusted`
 * defaults to the store's trusted keys. Never throws for a bad model; the report says what is wrong.
 */
export async function verifyModel(store: Store, ref: string | ModelName, options: { trusted?: TrustedKeySet } = {}): Promise<ModelVerifyReport> {
  const { name, manifest } = await store.manifest(ref);
  const trusted = options.trusted ?? (await loadTrustedKeys(store.root));
  const expected = manifestDigest(manifest);
  const layers: LayerCheck[] = [];
  for (const l of manifest.layers) layers.push(await hashLayer(store, l));
  const signatures: SignatureLayerCheck[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    if (!isSignatureLayer(l)) continue;
    // A signature blob that is there but corrupt is still judged: its check names what changed.
    const bytes = layers[i].actual === undefined ? undefined : await readFile(layers[i].path);
    signatures.push(bytes ? judgeSignature(bytes, l, expected, trusted) : { digest: l.digest, status: 'malformed', problem: `signature blob ${l.digest} is missing` });
  }
  const status = verdict(layers.every((l) => l.ok), signatures);
  const problems = [...layers.flatMap((l) => (l.problem ? [l.problem] : [])), ...signatures.flatMap((s) => (s.problem ? [s.problem] : []))];
  if (signatures.length === 0) problems.push('no signature layer');
  return { name: displayModelName(name), status, manifestDigest: expected, layers, signatures, problems };
}

/**
 * A pull's `beforeCommitManifest` hook that refuses a model unless it is signed by a trusted key:
 * the returned function throws {@link SignatureError} when `manifest` has no signature layer, when
 * any signature layer is malformed, fails its Ed25519 check or covers other layers, or when none is
 * from a key trusted in `store` (read at each call, so `apr trust` takes effect at once).
 *
 * Only the signature blobs are read and hashed (they are small). The model blobs are not re-hashed:
 * the pull has already verified each against its digest before calling the hook, and the signature
 * covers those digests, so checking the signatures against the manifest digest suffices.
 */
export function requireTrustedSignature(store: Store): (manifest: Manifest, blobPath: (digest: string) => string) => Promise<void> {
  return async (manifest, blobPath) => {
    const trusted = await loadTrustedKeys(store.root);
    const expected = manifestDigest(manifest);
    const sigLayers = manifest.layers.filter(isSignatureLayer);
    if (sigLayers.length === 0) {
      throw new SignatureError(
        'the model is not signed (no signature layer, no .sig next to the file); pull it without --require-signature if you trust its source, or ask its publisher to sign it with apr sign',
      );
    }
    const checks: SignatureLayerCheck[] = [];
    for (const l of sigLayers) {
      let bytes: Buffer;
      try {
        bytes = await readFile(blobPath(l.digest));
      } catch (err) {
        throw new SignatureError(`signature layer ${l.digest} could not be read (${(err as Error).message}); pull the model again`);
      }
      if (sha256Bytes(bytes) !== l.digest) throw new SignatureError(`signature layer ${l.digest} is corrupt (its content hashes to ${sha256Bytes(bytes)}); pull the model again`);
      checks.push(judgeSignature(bytes, l, expected, trusted));
    }
    const broken = checks.find((c) => c.status !== 'trusted' && c.status !== 'untrusted');
    if (broken) throw new SignatureError(`${broken.problem}; refusing the model (pull it again, or ask its publisher to re-sign it)`);
    if (!checks.some((c) => c.status === 'trusted')) {
      const ids = checks.map((c) => c.keyId).join(', ');
      throw new SignatureError(`the model is signed only by untrusted key(s) ${ids}; if you trust the signer, add their public key with 'apr trust KEY.pub' and pull again`);
    }
  };
}
