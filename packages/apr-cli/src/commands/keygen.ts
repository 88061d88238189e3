/**
 * `apr keygen [--out FILE] [--force] [--no-trust]`: makes an Ed25519 key pair for `apr sign` — the
 * private key (PKCS#8 PEM, mode 0600) at FILE, default `$PACHA_HOME/keys/id_ed25519`, the public key
 * (SPKI PEM) at FILE.pub — and trusts the public key in the store unless `--no-trust`.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { KeyError, generateKeyPair, parsePublicKey, trustKey, writeKeyFile } from '@sovereign/pacha';
import { openStore } from './list-store.js';

/** The default private key path: `$PACHA_HOME/keys/id_ed25519`. */
export function defaultKeyPath(): string {
  return join(openStore().root, 'keys', 'id_ed25519');
}

/** What `apr keygen --json` prints. */
export interface KeygenReport {
  readonly keyId: string;
  readonly privateKey: string;
  readonly publicKey: string;
  /** The trusted-key file, or null with `--no-trust`. */
  readonly trusted: string | null;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Registers `apr keygen`. */
export function registerKeygen(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('keygen')
    .description('generate an Ed25519 key pair for signing models (apr sign)')
    .option('--out <file>', 'private key file; the public key goes to FILE.pub (default $PACHA_HOME/keys/id_ed25519)')
    .option('--force', 'replace an existing key pair at that path')
    .option('--no-trust', 'do not add the public key to the trusted keys of the store')
    .option('--json', 'print the result as one JSON object')
    .action(async (flags: { out?: string; force?: boolean; trust: boolean; json?: boolean }) => {
      const priv = resolve(flags.out ?? defaultKeyPath());
      const pub = `${priv}.pub`;
      const force = flags.force === true;
      // Both files are checked first, so a refusal leaves no half-written pair behind.
      if (!force) {
        for (const p of [priv, pub]) {
          if (await exists(p)) throw new KeyError(`${p} already exists; pass --force to replace it (the old key can then no longer sign), or choose another --out`);
        }
      }
      const pair = generateKeyPair();
      await writeKeyFile(priv, pair.privateKey, 0o600, force);
      await writeKeyFile(pub, pair.publicKey, 0o644, true);
      const { keyId } = parsePublicKey(pair.publicKey, pub);
      const trusted = flags.trust ? (await trustKey(openStore().root, pair.publicKey, pub)).path : null;
      const report: KeygenReport = { keyId, privateKey: priv, publicKey: pub, trusted };
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      io.stdout.write(
        `generated Ed25519 key ${keyId}\n` +
          `  private key  ${priv} (mode 0600: keep it secret)\n` +
          `  public key   ${pub} (publish it; others trust it with 'apr trust ${pub}')\n` +
          (trusted ? `  trusted      ${trusted}\n` : `  not trusted in this store (--no-trust); 'apr trust ${pub}' adds it\n`),
      );
    });
}
