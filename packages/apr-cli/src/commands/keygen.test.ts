import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apr } from '../../test/cli-harness.js';
import { useTempStore } from '../../test/temp-store.js';
import type { KeygenReport } from './keygen.js';
import type { TrustedKeyRow } from './trust.js';

const store = useTempStore('apr-keys-');

async function trusted(): Promise<TrustedKeyRow[]> {
  const r = await apr(['trust', '--list', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as TrustedKeyRow[];
}

describe('apr keygen / trust', () => {
  it('keygen: default path under $PACHA_HOME, private key 0600, trusted by default; refuses to overwrite without --force', async () => {
    let r = await apr(['keygen']);
    expect(r.code, r.stderr).toBe(0);
    const priv = join(store.home, 'keys', 'id_ed25519');
    const keyId = /^generated Ed25519 key ([0-9a-f]{16})\n/.exec(r.stdout)?.[1];
    expect(keyId).toBeDefined();
    expect(r.stdout).toContain(`private key  ${priv} (mode 0600`);
    expect(r.stdout).toContain(`public key   ${priv}.pub`);
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    expect(readFileSync(priv, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(`${priv}.pub`, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect((await trusted()).map((k) => k.keyId)).toEqual([keyId]);

    const before = readFileSync(priv);
    r = await apr(['keygen']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^apr: .*id_ed25519 already exists; pass --force to replace it/);
    expect(readFileSync(priv).equals(before)).toBe(true);

    r = await apr(['keygen', '--force', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const k2 = JSON.parse(r.stdout) as KeygenReport;
    expect(k2.keyId).not.toBe(keyId);
    expect(readFileSync(priv).equals(before)).toBe(false);
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    expect((await trusted()).map((k) => k.keyId).sort()).toEqual([keyId, k2.keyId].sort());
  });

  it('keygen --out --no-trust; trust FILE, --list, --rm; usage and key errors', async () => {
    const out = join(store.dir, 'pub', 'signer');
    let r = await apr(['keygen', '--out', out, '--no-trust', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const k = JSON.parse(r.stdout) as KeygenReport;
    expect(k).toMatchObject({ privateKey: out, publicKey: `${out}.pub`, trusted: null });
    expect(existsSync(join(store.home, 'keys', 'id_ed25519'))).toBe(false);
    expect(await trusted()).toEqual([]);
    expect((await apr(['trust', '--list'])).stdout).toMatch(/^no trusted keys/);

    r = await apr(['trust', `${out}.pub`]);
    expect(r.stdout).toBe(`trusting key ${k.keyId} (${join(store.home, 'keys', 'trusted', `${k.keyId}.pub`)})\n`);
    r = await apr(['trust', '--list']);
    expect(r.stdout).toMatch(new RegExp(`^KEY ID\\s+PUBLIC KEY\\s+FILE\\n${k.keyId}\\s+\\S{44}\\s+\\S+\\.pub\\n$`));
    r = await apr(['trust', '--rm', k.keyId]);
    expect(r.stdout).toBe(`no longer trusting key ${k.keyId}\n`);
    expect(await trusted()).toEqual([]);

    r = await apr(['trust', '--rm', k.keyId]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not trusted/);
    expect((await apr(['trust'])).code).toBe(2);
    expect((await apr(['trust', `${out}.pub`, '--list'])).code).toBe(2);
    r = await apr(['trust', join(store.dir, 'nope.pub')]);
    expect(r.stderr).toMatch(/no key file at .*nope\.pub/);
    r = await apr(['trust', join(import.meta.dirname, 'keygen.ts')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not a PEM public key/);
  });
});
