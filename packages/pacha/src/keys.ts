/**
 * Ed25519 key pairs (node:crypto): PEM files, private key PKCS#8 and public key SPKI, as
 * `openssl genpkey -algorithm ed25519` writes them. A key is named by its key ID, the first 16 hex
 * digits of sha256 over the raw 32-byte public key, so the same key has the same ID whichever file
 * or encoding it came in.
 */
import { type KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tempPathFor } from './atomic.js';
import { KeyError } from './errors.js';

/** A new key pair as PEM text. */
export interface KeyPairPem {
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  readonly privateKey: string;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
  readonly publicKey: string;
}

/** A public key with its ID. */
export interface PublicKeyInfo {
  readonly keyId: string;
  /** The raw 32-byte Ed25519 public key, base64. */
  readonly publicKey: string;
  /** SPKI PEM. */
  readonly pem: string;
}

/** Generates an Ed25519 key pair. */
export function generateKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey, publicKey };
}

/** Key ID of a raw public key: the first 16 hex digits of its sha256. */
export function keyIdOf(rawPublicKey: Uint8Array): string {
  return createHash('sha256').update(rawPublicKey).digest('hex').slice(0, 16);
}

/** The raw 32 bytes of an Ed25519 public key object. */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new KeyError('not an Ed25519 public key');
  return Buffer.from(jwk.x, 'base64url');
}

/** The public key object of a raw 32-byte Ed25519 key (throws {@link KeyError} on a wrong length). */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new KeyError(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

function describe(key: KeyObject): PublicKeyInfo {
  const raw = rawPublicKey(key);
  return { keyId: keyIdOf(raw), publicKey: raw.toString('base64'), pem: key.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Parses an Ed25519 private key (PKCS#8 PEM, unencrypted); `source` names it in errors. */
export function parsePrivateKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new KeyError(`${source} is not an unencrypted PEM private key (${(err as Error).message}); create one with 'apr keygen'`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new KeyError(`${source} is a ${key.asymmetricKeyType} key; signing needs an Ed25519 key ('apr keygen' makes one)`);
  }
  return key;
}

/** Parses an Ed25519 public key (SPKI PEM); a private key PEM yields its public half. */
export function parsePublicKey(pem: string, source: string): PublicKeyInfo {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new KeyError(`${source} is not a PEM public key (${(err as Error).message}); pass the .pub file 'apr keygen' wrote`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new KeyError(`${source} is a ${key.asymmetricKeyType} key; pacha signatures use Ed25519 keys`);
  }
  return describe(key);
}

/** The public key (with its ID) of a private key object. */
export function publicKeyOf(privateKey: KeyObject): PublicKeyInfo {
  return describe(createPublicKey(privateKey));
}

/** Reads a file, turning a missing one into a {@link KeyError} with `hint`. */
export async function readKeyFile(path: string, hint: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new KeyError(`no key file at ${path}; ${hint}`);
    throw err;
  }
}

/**
 * Writes `data` to `target` with file mode `mode`, atomically (temp + fsync + rename). Without
 * `overwrite` the temp file is hard-linked into place instead of renamed: link(2) fails with EEXIST
 * rather than replacing, so an existing key is never clobbered, even by a concurrent writer.
 */
export async function writeKeyFile(target: string, data: string, mode: number, overwrite: boolean): Promise<void> {
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const tmp = tempPathFor(target);
  try {
    // The mode is given at create time, so the private key is never readable by others, not even briefly.
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.chmod(mode); // open's mode is filtered by the umask; chmod is not
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (overwrite) await rename(tmp, target);
    else {
      try {
        await link(tmp, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new KeyError(`${target} already exists; pass --force to replace it (the old key can then no longer sign), or choose another --out`);
        }
        throw err;
      }
    }
  } finally {
    await rm(tmp, { force: true });
  }
}
