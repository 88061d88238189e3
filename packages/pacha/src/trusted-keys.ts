/**
 * The trusted public keys of a store: `$PACHA_HOME/keys/trusted/<keyId>.pub`, one SPKI PEM per
 * key. A signature counts as trusted only when its embedded public key is byte-equal to one of
 * these (the key ID merely finds the file).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyError } from './errors.js';
import { type PublicKeyInfo, parsePublicKey, readKeyFile, writeKeyFile } from './keys.js';

/** A trusted key and its file. */
export interface TrustedKey extends PublicKeyInfo {
  readonly path: string;
}

const KEY_ID_RE = /^[0-9a-f]{16}$/;

/** `<root>/keys/trusted`. */
export function trustedKeysDir(root: string): string {
  return join(root, 'keys', 'trusted');
}

/** Trusts the public key in `pem` (its source named `source` in errors); idempotent. */
export async function trustKey(root: string, pem: string, source: string): Promise<TrustedKey> {
  const info = parsePublicKey(pem, source);
  const path = join(trustedKeysDir(root), `${info.keyId}.pub`);
  await writeKeyFile(path, info.pem, 0o644, true);
  return { ...info, path };
}

/** The trusted keys, sorted by key ID. A file whose content is not the key its name says is refused. */
export async function listTrustedKeys(root: string): Promise<TrustedKey[]> {
  const dir = trustedKeysDir(root);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: TrustedKey[] = [];
  for (const f of names.filter((n) => n.endsWith('.pub') && !n.startsWith('.')).sort()) {
    const path = join(dir, f);
    const info = parsePublicKey(await readKeyFile(path, 'it was just listed'), path);
    if (`${info.keyId}.pub` !== f) {
      throw new KeyError(`${path} holds key ${info.keyId}, not the key its name says; remove it and trust the key again with 'apr trust KEY.pub'`);
    }
    out.push({ ...info, path });
  }
  return out;
}

/** Stops trusting `keyId`; throws {@link KeyError} when it is not trusted. */
export async function untrustKey(root: string, keyId: string): Promise<TrustedKey> {
  if (!KEY_ID_RE.test(keyId)) throw new KeyError(`'${keyId}' is not a key ID (16 hex digits, as 'apr trust --list' prints)`);
  const key = (await listTrustedKeys(root)).find((k) => k.keyId === keyId);
  if (!key) throw new KeyError(`key ${keyId} is not trusted; 'apr trust --list' shows the trusted keys`);
  await rm(key.path);
  return key;
}
