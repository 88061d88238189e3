/**
 * Ed25519 model signatures. A signature covers the *manifest digest*: sha256 over the canonical
 * JSON `{"schemaVersion":2,"layers":[{"mediaType","digest","size"},…]}` of the manifest's
 * non-signature layers in manifest order. `created`, and the `path`/`mtimeMs` of linked layers, are
 * left out, so a copy of the same layers — pulled, imported with `--link`, or `apr cp`'d — verifies
 * with the same signature.
 *
 * The signature blob (a layer of media type {@link MEDIA_TYPES.signature}, or a `<file>.sig`
 * sidecar) is compact JSON {@link SignatureDoc}. The Ed25519 signature is over the canonical JSON of
 * every other field of the document (schema first, so the message is domain-separated), so the
 * signer name and time cannot be changed either.
 */
import { type KeyObject, sign, verify } from 'node:crypto';
import { isDigest, sha256Bytes } from './digest.js';
import { SignatureError } from './errors.js';
import { keyIdOf, publicKeyFromRaw, publicKeyOf } from './keys.js';
import { type Layer, MEDIA_TYPES } from './manifest.js';

/** The `schema` of a signature document. */
export const SIGNATURE_SCHEMA = 'pacha-signature/1' as const;

/** A signature blob. */
export interface SignatureDoc {
  readonly schema: typeof SIGNATURE_SCHEMA;
  readonly algorithm: 'ed25519';
  /** First 16 hex digits of sha256(raw public key). */
  readonly keyId: string;
  /** Raw 32-byte Ed25519 public key, base64. */
  readonly publicKey: string;
  /** What is signed: {@link manifestDigest} of the model's layers. */
  readonly manifestDigest: string;
  /** 64-byte Ed25519 signature, base64. */
  readonly signature: string;
  /** Free text naming the signer (shown by `apr verify`; signed too). */
  readonly signer?: string;
  /** ISO 8601 time of signing. */
  readonly created: string;
}

/** Outcome of checking one signature document against a manifest digest. */
export type SignatureCheck = 'valid' | 'bad-signature' | 'payload-mismatch';

/** True for the signature layers of a manifest. */
export function isSignatureLayer(layer: Pick<Layer, 'mediaType'>): boolean {
  return layer.mediaType === MEDIA_TYPES.signature;
}

/** The canonical JSON a signature covers (see the module comment). */
export function signaturePayload(layers: readonly Layer[]): string {
  const signed = layers.filter((l) => !isSignatureLayer(l)).map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }));
  return JSON.stringify({ schemaVersion: 2, layers: signed });
}

/** `sha256:<hex>` of {@link signaturePayload}. */
export function manifestDigest(manifest: { readonly layers: readonly Layer[] }): string {
  return sha256Bytes(signaturePayload(manifest.layers));
}

/** The bytes the Ed25519 signature is computed over: every field but `signature`, in a fixed order. */
function signedMessage(doc: Omit<SignatureDoc, 'signature'>): Buffer {
  const { schema, algorithm, keyId, publicKey, manifestDigest: md, signer, created } = doc;
  return Buffer.from(JSON.stringify({ schema, algorithm, keyId, publicKey, manifestDigest: md, signer, created }), 'utf8');
}

/** Signs `manifestDigest` with an Ed25519 private key. */
export function signDigest(digest: string, privateKey: KeyObject, options: { signer?: string; created?: Date } = {}): SignatureDoc {
  if (!isDigest(digest)) throw new SignatureError(`cannot sign '${digest}': not a sha256:<64 hex> digest`);
  const pub = publicKeyOf(privateKey);
  const unsigned = {
    schema: SIGNATURE_SCHEMA,
    algorithm: 'ed25519' as const,
    keyId: pub.keyId,
    publicKey: pub.publicKey,
    manifestDigest: digest,
    ...(options.signer !== undefined && options.signer !== '' ? { signer: options.signer } : {}),
    created: (options.created ?? new Date()).toISOString(),
  };
  return { ...unsigned, signature: sign(null, signedMessage(unsigned), privateKey).toString('base64') };
}

/** The blob bytes of a signature document (compact JSON, no trailing newline). */
export function encodeSignature(doc: SignatureDoc): Buffer {
  const { schema, algorithm, keyId, publicKey, manifestDigest: md, signature, signer, created } = doc;
  return Buffer.from(JSON.stringify({ schema, algorithm, keyId, publicKey, manifestDigest: md, signature, signer, created }), 'utf8');
}

/** Base64 that decodes to `bytes` bytes and re-encodes to itself (Node's decoder skips junk and ignores trailing bits). */
function strictBase64(s: unknown, bytes: number): Buffer | undefined {
  if (typeof s !== 'string') return undefined;
  const b = Buffer.from(s, 'base64');
  return b.length === bytes && b.toString('base64') === s ? b : undefined;
}

const FIELDS = new Set(['schema', 'algorithm', 'keyId', 'publicKey', 'manifestDigest', 'signature', 'signer', 'created']);

/**
 * Parses and validates a signature document; throws {@link SignatureError} naming the bad field.
 * The key ID must be the one of the embedded public key. Unknown fields are refused: nothing in a
 * signature document may go unsigned.
 */
export function parseSignature(bytes: Uint8Array | string, source: string): SignatureDoc {
  const bad = (why: string) => new SignatureError(`signature ${source}: ${why}; sign the model again with 'apr sign' or get the publisher's .sig again`);
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad('not valid JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad('not a JSON object');
  const unknown = Object.keys(o).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) throw bad(`unknown field(s) ${unknown.join(', ')}`);
  if (o.schema !== SIGNATURE_SCHEMA) throw bad(`schema is ${JSON.stringify(o.schema)}, expected '${SIGNATURE_SCHEMA}'`);
  if (o.algorithm !== 'ed25519') throw bad(`algorithm is ${JSON.stringify(o.algorithm)}, expected 'ed25519'`);
  const raw = strictBase64(o.publicKey, 32);
  if (!raw) throw bad('publicKey is not base64 of 32 bytes');
  if (typeof o.keyId !== 'string' || o.keyId !== keyIdOf(raw)) throw bad(`keyId ${JSON.stringify(o.keyId)} is not the ID of its publicKey (${keyIdOf(raw)})`);
  if (typeof o.manifestDigest !== 'string' || !isDigest(o.manifestDigest)) throw bad('manifestDigest is not sha256:<64 hex>');
  if (!strictBase64(o.signature, 64)) throw bad('signature is not base64 of 64 bytes');
  if (o.signer !== undefined && typeof o.signer !== 'string') throw bad('signer is not a string');
  if (typeof o.created !== 'string' || Number.isNaN(Date.parse(o.created))) throw bad('created is not an ISO 8601 time');
  return o as unknown as SignatureDoc;
}

/**
 * Checks a parsed signature: the Ed25519 signature over the document (`bad-signature` when the
 * document was altered or signed by another key), then its `manifestDigest` against `expected`
 * (`payload-mismatch` when the layers are not the ones signed). Trust is not decided here.
 */
export function checkSignature(doc: SignatureDoc, expected: string): SignatureCheck {
  const key = publicKeyFromRaw(Buffer.from(doc.publicKey, 'base64'));
  if (!verify(null, signedMessage(doc), key, Buffer.from(doc.signature, 'base64'))) return 'bad-signature';
  return doc.manifestDigest === expected ? 'valid' : 'payload-mismatch';
}
