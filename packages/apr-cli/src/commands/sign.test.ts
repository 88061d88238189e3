import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEDIA_TYPES, Store, requireTrustedSignature, sha256Bytes, SignatureError } from '@sovereign/pacha';
import type { ModelVerifyReport } from '@sovereign/pacha';
import { GGMLType, GGUFValueType, gguf, writeGGUF } from '@sovereign/realizar';
import { describe, expect, it } from 'vitest';
import { apr } from '../../test/cli-harness.js';
import { useTempStore } from '../../test/temp-store.js';
import type { KeygenReport } from './keygen.js';
import type { SignReport } from './sign.js';

const store = useTempStore('apr-sign-');

/** A small valid GGUF; `seed` changes the tensor bytes so files differ. */
function model(file: string, seed = 0): string {
  const path = join(store.dir, file);
  writeFileSync(
    path,
    writeGGUF({
      metadata: [
        ['general.architecture', gguf.str('qwen2')],
        ['general.file_type', gguf.u32(7)],
        ['tokenizer.ggml.tokens', gguf.arr(GGUFValueType.STRING, ['a', 'b'])],
      ],
      tensors: [
        { name: 'norm', type: GGMLType.F32, dims: [8], data: new Uint8Array(32).fill(seed) },
        { name: 'w1', type: GGMLType.Q8_0, dims: [64], data: new Uint8Array(68).fill(seed + 1) },
      ],
    }),
  );
  return path;
}

async function ok(argv: string[]): Promise<string> {
  const r = await apr(argv);
  expect(r.code, `apr ${argv.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

async function keygen(name: string, trust = true): Promise<KeygenReport> {
  return JSON.parse(await ok(['keygen', '--out', join(store.dir, name), '--json', ...(trust ? [] : ['--no-trust'])])) as KeygenReport;
}

async function verifyJson(ref: string): Promise<{ code: number; report: ModelVerifyReport; stderr: string }> {
  const r = await apr(['verify', ref, '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) as ModelVerifyReport, stderr: r.stderr };
}

describe('apr sign / verify', () => {
  it('unsigned → exit 1; sign → verify exit 0; untrusted key → exit 1 naming the key ID', async () => {
    await ok(['import', model('a.gguf', 1), '--name', 'm:1']);
    let r = await apr(['verify', 'm:1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/signatures none\nstatus     unsigned\n$/);
    expect(r.stderr).toMatch(/^apr: model 'm:1' is not signed; sign it with 'apr sign m:1'/);

    const k = await keygen('alice');
    const s = JSON.parse(await ok(['sign', 'm:1', '--key', k.privateKey, '--signer', 'Alice', '--json'])) as SignReport;
    expect(s).toMatchObject({ name: 'm:1', keyId: k.keyId, replaced: [], sidecar: null });
    r = await apr(['verify', 'm:1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^model      m:1\nlayers     sha256:[0-9a-f]{64} \(what signatures cover\)\n  ok       model /);
    expect(r.stdout).toMatch(new RegExp(`\\n  ok       signature .*\\nsignatures\\n  trusted           key ${k.keyId} \\(Alice\\) signed \\S+\\nstatus     signed-trusted\\n$`));
    expect(r.stderr).toBe('');
    expect((await ok(['show', 'm:1', '--json'])).includes('"layers":["model","signature"]')).toBe(true);

    // Re-signing with the same key replaces the layer; the old blob is collected.
    const again = JSON.parse(await ok(['sign', 'm:1', '--key', k.privateKey, '--json'])) as SignReport;
    expect(again.replaced).toEqual([s.signature]);
    expect(readdirSync(join(store.home, 'blobs'))).not.toContain(s.signature.replace(':', '-'));

    // A key nobody trusts.
    await ok(['import', model('b.gguf', 2), '--name', 'm:2']);
    const mallory = await keygen('mallory', false);
    await ok(['sign', 'm:2', '--key', mallory.privateKey]);
    const v = await verifyJson('m:2');
    expect(v.code).toBe(1);
    expect(v.report.status).toBe('signed-untrusted');
    expect(v.stderr).toMatch(new RegExp(`^apr: model 'm:2' is signed only by untrusted key\\(s\\) ${mallory.keyId}; .*apr trust KEY\\.pub`));
    await ok(['trust', mallory.publicKey]);
    expect((await verifyJson('m:2')).code).toBe(0);
  });

  it('sign uses $PACHA_HOME/keys/id_ed25519 by default, and says how to make one when absent', async () => {
    await ok(['import', model('a.gguf'), '--name', 'm']);
    let r = await apr(['sign', 'm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no key file at .*keys\/id_ed25519; create a key with 'apr keygen' or pass --key FILE/);
    await ok(['keygen']);
    expect(await ok(['sign', 'm'])).toMatch(/^signed 'm:latest' with key [0-9a-f]{16} \(layers sha256:/);
    expect((await verifyJson('m')).report.status).toBe('signed-trusted');
    r = await apr(['sign', 'nope']);
    expect(r.stderr).toMatch(/model 'nope:latest' is not in the store/);
  });

  it('one flipped byte in the model blob → exit 1 naming the blob, expected and actual digest', async () => {
    const a = model('a.gguf', 3);
    await ok(['import', a, '--name', 'm']);
    const k = await keygen('k');
    await ok(['sign', 'm', '--key', k.privateKey]);
    const digest = sha256Bytes(readFileSync(a));
    const blob = join(store.home, 'blobs', digest.replace(':', '-'));
    const bytes = readFileSync(blob);
    bytes[bytes.length - 3] ^= 0x01;
    writeFileSync(blob, bytes);
    const r = await apr(['verify', 'm']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`  CORRUPT  model      ${digest.slice(7, 19)}`);
    expect(r.stdout).toMatch(/status     invalid\n$/);
    expect(r.stderr).toContain(`model layer ${blob} is corrupt: expected ${digest}`);
    expect(r.stderr).toContain(`content hashes to ${sha256Bytes(bytes)}`);
  });

  it('tampered signature JSON or manifest layer digest → exit 1', async () => {
    await ok(['import', model('a.gguf', 4), '--name', 'm']);
    const other = JSON.parse(await ok(['import', model('b.gguf', 5), '--name', 'other', '--json'])) as { digest: string; size: number };
    const k = await keygen('k');
    const s = JSON.parse(await ok(['sign', 'm', '--key', k.privateKey, '--json'])) as SignReport;
    const manifestPath = join(store.home, 'manifests/registry.ollama.ai/library/m/latest');
    const original = readFileSync(manifestPath, 'utf8');

    // The manifest re-pointed at the other model's (intact) blob.
    const m = JSON.parse(original) as { layers: Array<{ digest: string; size: number }> };
    m.layers[0] = { ...m.layers[0], digest: other.digest, size: other.size };
    writeFileSync(manifestPath, JSON.stringify(m));
    let v = await verifyJson('m');
    expect(v.code).toBe(1);
    expect(v.report.status).toBe('invalid');
    expect(v.report.signatures[0].status).toBe('payload-mismatch');
    expect(v.stderr).toMatch(/failed verification: signature by key [0-9a-f]{16} covers sha256:\w+, but the model's layers digest to sha256:/);

    // The signature JSON edited (signer added), stored consistently under its new digest.
    writeFileSync(manifestPath, original);
    const doc = JSON.parse(readFileSync(join(store.home, 'blobs', s.signature.replace(':', '-')), 'utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...doc, signer: 'Trusted Vendor' }));
    const fd = sha256Bytes(forged);
    writeFileSync(join(store.home, 'blobs', fd.replace(':', '-')), forged);
    const m2 = JSON.parse(original) as { layers: Array<{ mediaType: string; digest: string; size: number }> };
    m2.layers[1] = { mediaType: MEDIA_TYPES.signature, digest: fd, size: forged.length };
    writeFileSync(manifestPath, JSON.stringify(m2));
    v = await verifyJson('m');
    expect(v.code).toBe(1);
    expect(v.report.signatures[0]).toMatchObject({ status: 'bad-signature', signer: 'Trusted Vendor' });
    expect(v.stderr).toMatch(/does not verify: the signature document was altered/);
  });

  it('two signers: one trusted suffices; --sidecar verifies against a pulled copy of the same layers', async () => {
    const a = model('a.gguf', 6);
    await ok(['import', a, '--name', 'pub:q8', '--link']);
    const alice = await keygen('alice', false);
    const bob = await keygen('bob', false);
    const sig = join(store.dir, 'a.gguf.sig');
    await ok(['sign', 'pub:q8', '--key', alice.privateKey, '--sidecar', sig]);
    await ok(['sign', 'pub:q8', '--key', bob.privateKey]);
    let v = await verifyJson('pub:q8');
    expect(v.report.status).toBe('signed-untrusted');
    expect(v.report.signatures.map((s) => s.keyId).sort()).toEqual([alice.keyId, bob.keyId].sort());
    await ok(['trust', bob.publicKey]);
    v = await verifyJson('pub:q8');
    expect(v.code).toBe(0);
    expect(v.report.signatures.map((s) => s.status).sort()).toEqual(['trusted', 'untrusted']);

    // Elsewhere: a pull fetched the GGUF (copied, not linked) and `<url>.sig`; the hook that
    // `apr pull --require-signature` runs accepts it once alice is trusted there.
    const there = new Store(join(store.dir, 'there'));
    const hook = requireTrustedSignature(there);
    const gguf = readFileSync(a);
    const sidecar = readFileSync(sig);
    const files = new Map([[sha256Bytes(gguf), a], [sha256Bytes(sidecar), sig]]);
    const manifest = {
      schemaVersion: 2 as const,
      created: new Date().toISOString(),
      layers: [
        { mediaType: MEDIA_TYPES.model, digest: sha256Bytes(gguf), size: gguf.length },
        { mediaType: MEDIA_TYPES.signature, digest: sha256Bytes(sidecar), size: sidecar.length },
      ],
    };
    const blobPath = (d: string) => files.get(d) ?? join(store.dir, 'missing');
    await expect(hook(manifest, blobPath)).rejects.toThrow(SignatureError);
    process.env.PACHA_HOME = there.root;
    await ok(['trust', alice.publicKey]);
    await expect(hook(manifest, blobPath)).resolves.toBeUndefined();
    await expect(hook({ ...manifest, layers: manifest.layers.slice(0, 1) }, blobPath)).rejects.toThrow(/not signed/);
  });
});
