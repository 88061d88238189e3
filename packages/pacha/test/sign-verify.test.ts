import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Bytes } from '../src/digest.js';
import { SignatureError } from '../src/errors.js';
import { generateKeyPair, parsePrivateKey } from '../src/keys.js';
import { type Layer, MEDIA_TYPES, type Manifest } from '../src/manifest.js';
import { signModel } from '../src/sign-model.js';
import { encodeSignature, isSignatureLayer, manifestDigest, parseSignature, signDigest } from '../src/signing.js';
import { Store } from '../src/store.js';
import { trustKey } from '../src/trusted-keys.js';
import { requireTrustedSignature, verifyModel } from '../src/verify-model.js';
import { fakeGGUF, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
let store: Store;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  store = new Store(join(dir, 'home'));
});
afterEach(() => cleanup());

function newKey() {
  const pem = generateKeyPair();
  return { pem, key: parsePrivateKey(pem.privateKey, 'key') };
}

const manifestFile = (ref: string) => store.manifestPath({ host: 'registry.ollama.ai', namespace: 'library', name: ref.split(':')[0], tag: ref.split(':')[1] ?? 'latest' });

function rewriteManifest(ref: string, edit: (m: Manifest) => Manifest): void {
  const path = manifestFile(ref);
  writeFileSync(path, JSON.stringify(edit(JSON.parse(readFileSync(path, 'utf8')) as Manifest)));
}

describe('pacha model signing', () => {
  it('sign → verify: signed-trusted; unsigned and untrusted say so', async () => {
    await store.import(fakeGGUF(join(dir, 'a.gguf')), 'm:1');
    let r = await verifyModel(store, 'm:1');
    expect(r).toMatchObject({ name: 'm:1', status: 'unsigned', signatures: [] });
    expect(r.layers).toMatchObject([{ kind: 'model', ok: true }]);

    const alice = newKey();
    const s = await signModel(store, 'm:1', alice.key, { signer: 'alice' });
    expect(s.doc.manifestDigest).toBe(r.manifestDigest);
    r = await verifyModel(store, 'm:1');
    expect(r.status).toBe('signed-untrusted');
    expect(r.signatures).toMatchObject([{ status: 'untrusted', keyId: s.doc.keyId, signer: 'alice' }]);
    expect(r.problems).toEqual([`key ${s.doc.keyId} is not trusted`]);

    await trustKey(store.root, alice.pem.publicKey, 'alice.pub');
    r = await verifyModel(store, 'm:1');
    expect(r).toMatchObject({ status: 'signed-trusted', problems: [] });
    expect(r.layers.map((l) => l.kind)).toEqual(['model', 'signature']);
    expect(r.layers.every((l) => l.ok)).toBe(true);
    // An explicit trusted set overrides the store's.
    expect((await verifyModel(store, 'm:1', { trusted: new Map() })).status).toBe('signed-untrusted');
  });

  it('re-signing with the same key replaces the old signature (its blob is collected); two signers coexist', async () => {
    await store.import(fakeGGUF(join(dir, 'a.gguf')), 'm');
    const alice = newKey();
    const bob = newKey();
    const first = await signModel(store, 'm', alice.key);
    await new Promise((r) => setTimeout(r, 5)); // a later `created`, so a different blob
    const second = await signModel(store, 'm', alice.key);
    expect(second.replaced).toEqual([first.layer.digest]);
    expect(readdirSync(store.blobsDir)).not.toContain(first.layer.digest.replace(':', '-'));
    await signModel(store, 'm', bob.key, { signer: 'bob' });
    const { manifest } = await store.manifest('m');
    expect(manifest.layers.filter(isSignatureLayer)).toHaveLength(2);
    await trustKey(store.root, bob.pem.publicKey, 'bob.pub');
    const r = await verifyModel(store, 'm');
    expect(r.status).toBe('signed-trusted');
    expect(r.signatures.map((s) => s.status).sort()).toEqual(['trusted', 'untrusted']);
    // Store.verify (apr list --verify) still sees every referenced blob.
    expect((await store.verify()).problems).toEqual([]);
  });

  it('a flipped byte in the model blob makes the model invalid, naming the blob and both digests', async () => {
    await store.import(fakeGGUF(join(dir, 'a.gguf'), 2000), 'm');
    const k = newKey();
    await trustKey(store.root, k.pem.publicKey, 'k.pub');
    await signModel(store, 'm', k.key);
    const { manifest } = await store.manifest('m');
    const blob = store.blobPath(manifest.layers[0].digest);
    const bytes = readFileSync(blob);
    bytes[1000] ^= 0x10;
    writeFileSync(blob, bytes);
    const r = await verifyModel(store, 'm');
    expect(r.status).toBe('invalid');
    expect(r.layers[0]).toMatchObject({ ok: false, actual: sha256Bytes(bytes) });
    expect(r.problems[0]).toBe(`model layer ${blob} is corrupt: expected ${manifest.layers[0].digest} (2004 B), content hashes to ${sha256Bytes(bytes)} (2004 B)`);
    // The signature itself is still good: it covers the digests, which the manifest still names.
    expect(r.signatures).toMatchObject([{ status: 'trusted' }]);
    // signModel refuses to sign a corrupt model.
    await expect(signModel(store, 'm', k.key)).rejects.toThrow(/refusing to sign 'm': layer .* hashes to sha256:/);
  });

  it('a manifest re-pointed at other layers fails with payload-mismatch; an altered signature blob with bad-signature', async () => {
    await store.import(fakeGGUF(join(dir, 'a.gguf')), 'm');
    const other = await store.import(fakeGGUF(join(dir, 'b.gguf')), 'other');
    const k = newKey();
    await trustKey(store.root, k.pem.publicKey, 'k.pub');
    const s = await signModel(store, 'm', k.key);

    // Swap the model layer for another (consistent, stored) blob: hashes fine, signature does not cover it.
    rewriteManifest('m', (m) => ({ ...m, layers: m.layers.map((l, i) => (i === 0 ? { ...l, digest: other.digest, size: other.size } : l)) }));
    let r = await verifyModel(store, 'm');
    expect(r.status).toBe('invalid');
    expect(r.layers.every((l) => l.ok)).toBe(true);
    expect(r.signatures).toMatchObject([{ status: 'payload-mismatch', keyId: s.doc.keyId }]);
    expect(r.problems.join('\n')).toMatch(/covers sha256:[0-9a-f]{64}, but the model's layers digest to sha256:/);

    // Re-import (same bytes) and re-sign, then replace the signature with an altered document stored
    // under its own, correct digest: only the Ed25519 check can catch it.
    await store.import(fakeGGUF(join(dir, 'a2.gguf'), readFileSync(join(dir, 'a.gguf')).subarray(4)), 'm');
    await signModel(store, 'm', k.key);
    const forged = encodeSignature({ ...s.doc, signer: 'someone else' });
    writeFileSync(store.blobPath(sha256Bytes(forged)), forged);
    rewriteManifest('m', (m) => ({
      ...m,
      layers: [...m.layers.filter((l) => !isSignatureLayer(l)), { mediaType: MEDIA_TYPES.signature, digest: sha256Bytes(forged), size: forged.length }],
    }));
    r = await verifyModel(store, 'm');
    expect(r.status).toBe('invalid');
    expect(r.signatures).toMatchObject([{ status: 'bad-signature' }]);

    // A signature blob changed in place: its layer hash fails and its check is bad-signature (or malformed).
    const layer = (await store.manifest('m')).manifest.layers[1];
    const blob = readFileSync(store.blobPath(layer.digest));
    blob[blob.indexOf('"signer"') + 9] ^= 1;
    writeFileSync(store.blobPath(layer.digest), blob);
    r = await verifyModel(store, 'm');
    expect(r.status).toBe('invalid');
    expect(r.layers[1].ok).toBe(false);
    expect(['bad-signature', 'malformed']).toContain(r.signatures[0].status);
  });

  it('signing a linked model works; a sidecar verifies against a manifest of the same layers in another store (a pulled copy)', async () => {
    const file = fakeGGUF(join(dir, 'a.gguf'));
    await store.import(file, 'm', { link: true });
    const k = newKey();
    const s = await signModel(store, 'm', k.key);
    writeFileSync(join(dir, 'a.gguf.sig'), s.bytes);
    await trustKey(store.root, k.pem.publicKey, 'k.pub');
    expect((await verifyModel(store, 'm')).status).toBe('signed-trusted');

    // Another machine: the same GGUF copied in, the sidecar attached as a signature layer.
    const there = new Store(join(dir, 'there'));
    await there.import(file, 'mirror:q8');
    const sidecar = readFileSync(join(dir, 'a.gguf.sig'));
    await there.editManifest('mirror:q8', (m) => ({
      layers: [...m.layers, { mediaType: MEDIA_TYPES.signature, digest: sha256Bytes(sidecar), size: sidecar.length }],
      blobs: [sidecar],
    }));
    expect((await verifyModel(there, 'mirror:q8')).status).toBe('signed-untrusted');
    await trustKey(there.root, k.pem.publicKey, 'k.pub');
    expect((await verifyModel(there, 'mirror:q8')).status).toBe('signed-trusted');
  });

  it('requireTrustedSignature: accepts a good manifest; SignatureError on unsigned, untrusted, bad or mismatched', async () => {
    const file = fakeGGUF(join(dir, 'a.gguf'));
    const hook = requireTrustedSignature(store);
    const k = newKey();
    const sigBytes: Record<string, Buffer> = {};
    // A "pull" in progress: blobs in a staging map, not yet any manifest in the store.
    const modelBytes = readFileSync(file);
    const modelLayer: Layer = { mediaType: MEDIA_TYPES.model, digest: sha256Bytes(modelBytes), size: modelBytes.length };
    const staged = (bytes: Buffer) => {
      const p = join(dir, `staged-${sha256Bytes(bytes).slice(7, 19)}`);
      writeFileSync(p, bytes);
      sigBytes[sha256Bytes(bytes)] = bytes;
      return { mediaType: MEDIA_TYPES.signature, digest: sha256Bytes(bytes), size: bytes.length };
    };
    const blobPath = (digest: string) => join(dir, `staged-${digest.slice(7, 19)}`);
    const manifest = (layers: Layer[]): Manifest => ({ schemaVersion: 2, layers, created: new Date().toISOString() });
    const good = staged(encodeSignature(signDigest(manifestDigest({ layers: [modelLayer] }), k.key)));

    await expect(hook(manifest([modelLayer]), blobPath)).rejects.toThrow(/the model is not signed/);
    await expect(hook(manifest([modelLayer, good]), blobPath)).rejects.toThrow(/signed only by untrusted key\(s\) [0-9a-f]{16}; .*apr trust KEY\.pub/);
    await trustKey(store.root, k.pem.publicKey, 'k.pub'); // read at each call
    await expect(hook(manifest([modelLayer, good]), blobPath)).resolves.toBeUndefined();

    const otherLayer = { ...modelLayer, digest: sha256Bytes('other') };
    await expect(hook(manifest([otherLayer, good]), blobPath)).rejects.toThrow(SignatureError);
    const forged = staged(encodeSignature({ ...parseSignature(sigBytes[good.digest], 'g'), signer: 'x' }));
    await expect(hook(manifest([modelLayer, good, forged]), blobPath)).rejects.toThrow(/does not verify/);
    const junk = staged(Buffer.from('{"schema":"nope"}'));
    await expect(hook(manifest([modelLayer, good, junk]), blobPath)).rejects.toThrow(/schema is "nope"/);
    // A signature blob whose bytes are not its digest.
    writeFileSync(blobPath(good.digest), Buffer.concat([sigBytes[good.digest], Buffer.from(' ')]));
    await expect(hook(manifest([modelLayer, good]), blobPath)).rejects.toThrow(/is corrupt/);
  });
});
