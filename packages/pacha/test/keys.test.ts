import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyError } from '../src/errors.js';
import { generateKeyPair, keyIdOf, parsePrivateKey, parsePublicKey, publicKeyOf, writeKeyFile } from '../src/keys.js';
import { listTrustedKeys, trustKey, trustedKeysDir, untrustKey } from '../src/trusted-keys.js';
import { generateKeyPairSync, createHash } from 'node:crypto';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('pacha keys', () => {
  it('generateKeyPair: PEM pkcs8 + spki; key ID is sha256(raw public key)[:16] for both halves', () => {
    const kp = generateKeyPair();
    expect(kp.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(kp.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const pub = parsePublicKey(kp.publicKey, 'pub');
    const raw = Buffer.from(pub.publicKey, 'base64');
    expect(raw).toHaveLength(32);
    // The raw key is the last 32 bytes of the SPKI DER (12-byte prefix for Ed25519).
    const der = Buffer.from(kp.publicKey.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(raw.equals(der.subarray(der.length - 32))).toBe(true);
    expect(pub.keyId).toBe(createHash('sha256').update(raw).digest('hex').slice(0, 16));
    expect(keyIdOf(raw)).toBe(pub.keyId);
    expect(publicKeyOf(parsePrivateKey(kp.privateKey, 'priv')).keyId).toBe(pub.keyId);
    expect(generateKeyPair().publicKey).not.toBe(kp.publicKey);
  });

  it('refuses non-Ed25519 and non-PEM keys with a KeyError', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    expect(() => parsePrivateKey(rsa.privateKey, 'rsa.pem')).toThrow(/rsa\.pem is a rsa key; signing needs an Ed25519 key/);
    expect(() => parsePublicKey(rsa.publicKey, 'rsa.pub')).toThrow(KeyError);
    expect(() => parsePublicKey('hello', 'junk.pub')).toThrow(/junk\.pub is not a PEM public key/);
    expect(() => parsePrivateKey('hello', 'junk')).toThrow(KeyError);
  });

  it('writeKeyFile: mode 0600 regardless of umask; refuses to overwrite unless asked', async () => {
    const path = join(dir, 'keys', 'id');
    const old = process.umask(0o000);
    try {
      await writeKeyFile(path, 'secret-1', 0o600, false);
    } finally {
      process.umask(old);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await expect(writeKeyFile(path, 'secret-2', 0o600, false)).rejects.toThrow(/already exists; pass --force/);
    expect(readFileSync(path, 'utf8')).toBe('secret-1');
    await writeKeyFile(path, 'secret-3', 0o600, true);
    expect(readFileSync(path, 'utf8')).toBe('secret-3');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('trusted keys: trust (idempotent), list, untrust; a private key PEM yields its public half', async () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(await listTrustedKeys(dir)).toEqual([]);
    const ta = await trustKey(dir, a.publicKey, 'a.pub');
    await trustKey(dir, a.publicKey, 'a.pub');
    const tb = await trustKey(dir, b.privateKey, 'b');
    expect(tb.keyId).toBe(parsePublicKey(b.publicKey, 'b.pub').keyId);
    expect(ta.path).toBe(join(trustedKeysDir(dir), `${ta.keyId}.pub`));
    expect((await listTrustedKeys(dir)).map((k) => k.keyId)).toEqual([ta.keyId, tb.keyId].sort());
    await untrustKey(dir, ta.keyId);
    expect((await listTrustedKeys(dir)).map((k) => k.keyId)).toEqual([tb.keyId]);
    await expect(untrustKey(dir, ta.keyId)).rejects.toThrow(/is not trusted/);
    await expect(untrustKey(dir, '../x')).rejects.toThrow(/not a key ID/);
  });

  it('a trusted-key file whose content is another key is refused', async () => {
    const a = await trustKey(dir, generateKeyPair().publicKey, 'a.pub');
    writeFileSync(a.path, generateKeyPair().publicKey);
    await expect(listTrustedKeys(dir)).rejects.toThrow(/not the key its name says/);
  });
});
