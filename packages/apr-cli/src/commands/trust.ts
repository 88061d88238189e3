/**
 * `apr trust PUBFILE` | `--list` | `--rm KEYID`: the public keys whose signatures `apr verify` (and
 * `apr pull --require-signature`) accept, kept as `$PACHA_HOME/keys/trusted/<keyId>.pub`.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { listTrustedKeys, readKeyFile, trustKey, untrustKey } from '@sovereign/pacha';
import { CliError } from '../cli-error.js';
import { table } from '../format.js';
import { openStore } from './list-store.js';

/** One element of `apr trust --list --json`. */
export interface TrustedKeyRow {
  readonly keyId: string;
  /** Raw 32-byte public key, base64. */
  readonly publicKey: string;
  readonly path: string;
}

/** Registers `apr trust`. */
export function registerTrust(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('trust')
    .description('trust a signer\'s Ed25519 public key (PEM), list the trusted keys, or remove one')
    .argument('[pubfile]', 'public key file to trust, e.g. the .pub that apr keygen wrote')
    .option('--list', 'list the trusted keys')
    .option('--rm <keyId>', 'stop trusting this key')
    .option('--json', 'print JSON')
    .action(async (pubfile: string | undefined, flags: { list?: boolean; rm?: string; json?: boolean }) => {
      const modes = [pubfile !== undefined, flags.list === true, flags.rm !== undefined].filter(Boolean).length;
      if (modes !== 1) throw new CliError('give exactly one of: a public key file to trust, --list, or --rm KEYID', 2);
      const root = openStore().root;
      if (flags.list) {
        const keys: TrustedKeyRow[] = (await listTrustedKeys(root)).map(({ keyId, publicKey, path }) => ({ keyId, publicKey, path }));
        if (flags.json) io.stdout.write(`${JSON.stringify(keys)}\n`);
        else if (keys.length === 0) io.stdout.write(`no trusted keys in ${root}; add one with 'apr trust KEY.pub'\n`);
        else io.stdout.write(table(['KEY ID', 'PUBLIC KEY', 'FILE'], keys.map((k) => [k.keyId, k.publicKey, k.path])));
        return;
      }
      if (flags.rm !== undefined) {
        const k = await untrustKey(root, flags.rm);
        io.stdout.write(flags.json ? `${JSON.stringify({ removed: k.keyId })}\n` : `no longer trusting key ${k.keyId}\n`);
        return;
      }
      const file = resolve(pubfile as string);
      const k = await trustKey(root, await readKeyFile(file, 'pass the public key file (.pub) of the signer'), file);
      io.stdout.write(flags.json ? `${JSON.stringify({ keyId: k.keyId, path: k.path })}\n` : `trusting key ${k.keyId} (${k.path})\n`);
    });
}
