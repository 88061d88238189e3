import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Bytes } from '../src/digest.js';
import { SignatureError } from '../src/errors.js';
import { generateKeyPair, parsePrivateKey } from '../src/keys.js';
import { type Layer, MEDIA_TYPES } from '../src/manifest.js';
import { checkSignature, encodeSignature, manifestDigest, parseSignature, signDigest, signaturePayload } from '../src/signing.js';

const key = parsePrivateKey(generateKeyPair().privateKey, 'test key');
const d = (s: string) => sha256Bytes(s);
const model: Layer = { mediaType: MEDIA_TYPES.model, digest: d('model'), size: 1234 };
const license: Layer = { mediaType: MEDIA_TYPES.license, digest: d('license'), size: 11 };

/** Accepts `bytes` as a signature of `expected` (parse + Ed25519 + payload). */
function accepts(bytes: Uint8Array, expected: string): boolean {
  try {
    return checkSignature(parseSignature(bytes, 'x'), expected) === 'valid';
  } catch (err) {
    if (err instanceof SignatureError) return false;
    throw err;
  }
}

describe('pacha signing format', () => {
  it('payload: canonical JSON of the non-signature layers; independent of created, path, mtimeMs', () => {
    const sig: Layer = { mediaType: MEDIA_TYPES.signature, digest: d('sig'), size: 300 };
    expect(signaturePayload([model, sig, license])).toBe(
      `{"schemaVersion":2,"layers":[{"mediaType":"${MEDIA_TYPES.model}","digest":"${model.digest}","size":1234},{"mediaType":"${MEDIA_TYPES.license}","digest":"${license.digest}","size":11}]}`,
    );
    const linked: Layer = { ...model, path: '/somewhere/m.gguf', mtimeMs: 17 };
    expect(manifestDigest({ layers: [linked, license] })).toBe(manifestDigest({ layers: [model, sig, license] }));
    // Order, size and media type are all covered.
    expect(manifestDigest({ layers: [license, model] })).not.toBe(manifestDigest({ layers: [model, license] }));
    expect(manifestDigest({ layers: [{ ...model, size: 1235 }] })).not.toBe(manifestDigest({ layers: [model] }));
    expect(manifestDigest({ layers: [{ ...model, mediaType: MEDIA_TYPES.params }] })).not.toBe(manifestDigest({ layers: [model] }));
  });

  it('sign → encode → parse → check; the three failure kinds are told apart', () => {
    const md = manifestDigest({ layers: [model] });
    const doc = signDigest(md, key, { signer: 'alice', created: new Date('2026-01-02T03:04:05Z') });
    expect(doc).toMatchObject({ schema: 'pacha-signature/1', algorithm: 'ed25519', manifestDigest: md, signer: 'alice', created: '2026-01-02T03:04:05.000Z' });
    expect(doc.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(Buffer.from(doc.signature, 'base64')).toHaveLength(64);
    const bytes = encodeSignature(doc);
    expect(bytes.toString()).not.toMatch(/\n/);
    const back = parseSignature(bytes, 'x');
    expect(back).toEqual(doc);
    expect(checkSignature(back, md)).toBe('valid');
    expect(checkSignature(back, manifestDigest({ layers: [license] }))).toBe('payload-mismatch');
    expect(checkSignature({ ...back, signer: 'mallory' }, md)).toBe('bad-signature');
    expect(checkSignature({ ...back, created: '2027-01-01T00:00:00.000Z' }, md)).toBe('bad-signature');
    // Re-pointing a signature at other layers breaks the Ed25519 check itself.
    expect(checkSignature({ ...back, manifestDigest: d('other') }, d('other'))).toBe('bad-signature');
    // Another key's public key in the document: its key ID no longer matches → malformed.
    const other = signDigest(md, parsePrivateKey(generateKeyPair().privateKey, 'k2'));
    expect(() => parseSignature(encodeSignature({ ...doc, publicKey: other.publicKey }), 'x')).toThrow(/keyId .* is not the ID of its publicKey/);
    // …and with its key ID too, the signature is not that key's.
    expect(checkSignature({ ...doc, publicKey: other.publicKey, keyId: other.keyId }, md)).toBe('bad-signature');
  });

  it('parseSignature refuses malformed documents, naming the field', () => {
    const doc = signDigest(d('m'), key);
    const enc = (o: object) => Buffer.from(JSON.stringify(o));
    expect(() => parseSignature('nope', 's')).toThrow(/signature s: not valid JSON/);
    expect(() => parseSignature(enc({ ...doc, schema: 'x/2' }), 's')).toThrow(/schema is "x\/2"/);
    expect(() => parseSignature(enc({ ...doc, algorithm: 'rsa' }), 's')).toThrow(/algorithm/);
    expect(() => parseSignature(enc({ ...doc, extra: 1 }), 's')).toThrow(/unknown field\(s\) extra/);
    expect(() => parseSignature(enc({ ...doc, signature: doc.signature.slice(4) }), 's')).toThrow(/signature is not base64 of 64 bytes/);
    expect(() => parseSignature(enc({ ...doc, manifestDigest: 'sha256:12' }), 's')).toThrow(/manifestDigest/);
    expect(() => parseSignature(enc({ ...doc, created: 'yesterday' }), 's')).toThrow(/created/);
    expect(() => signDigest('nope', key)).toThrow(SignatureError);
  });

  it('signing: any single-byte change to a signed payload or signature is rejected [F-PACHA-SIGN-1]', () => {
    const layers = [model, license];
    const payload = Buffer.from(signaturePayload(layers));
    const md = sha256Bytes(payload);
    const sig = encodeSignature(signDigest(md, key, { signer: 'publisher <p@example.org>' }));
    expect(accepts(sig, md)).toBe(true);
    const flip = (b: Buffer, i: number, v: number) => {
      const c = Buffer.from(b);
      c[i % c.length] = (c[i % c.length] + v) % 256;
      return c;
    };
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), (inPayload, i, v) => {
        // A changed payload is a different manifest digest; a changed signature blob must not verify it.
        if (inPayload) expect(accepts(sig, sha256Bytes(flip(payload, i, v)))).toBe(false);
        else expect(accepts(flip(sig, i, v), md)).toBe(false);
      }),
      { numRuns: 300 },
    );
    // Every byte of the signature document, each with one fixed change, exhaustively.
    for (let i = 0; i < sig.length; i++) expect(accepts(flip(sig, i, 1), md), `byte ${i}`).toBe(false);
  });
});
