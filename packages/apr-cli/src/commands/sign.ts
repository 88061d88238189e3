/**
 * `apr sign REF [--key FILE] [--signer NAME] [--sidecar OUT.sig]`: signs a stored model with an
 * Ed25519 private key (default `$PACHA_HOME/keys/id_ed25519`, see `apr keygen`). The signature
 * becomes a layer of the model's manifest (replacing an older one by the same key); `--sidecar` also
 * writes it to a file, which a publisher uploads next to the GGUF as `<file>.sig`.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { displayModelName, parsePrivateKey, readKeyFile, shortId, signModel, writeFileAtomic } from '@sovereign/pacha';
import { defaultKeyPath } from './keygen.js';
import { openStore, withRefErrors } from './list-store.js';

/** What `apr sign --json` prints. */
export interface SignReport {
  readonly name: string;
  readonly keyId: string;
  readonly manifestDigest: string;
  /** Digest of the signature layer. */
  readonly signature: string;
  readonly replaced: readonly string[];
  readonly sidecar: string | null;
}

/** Registers `apr sign`. */
export function registerSign(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('sign')
    .description('sign a stored model with an Ed25519 key (adds a signature layer)')
    .argument('<ref>', 'model name, e.g. qwen2.5-coder:1.5b')
    .option('--key <file>', 'Ed25519 private key, PEM (default $PACHA_HOME/keys/id_ed25519)')
    .option('--signer <name>', 'who signs, recorded in the signature (e.g. "Jane <jane@example.org>")')
    .option('--sidecar <file>', 'also write the signature to this file (publish it next to the GGUF as <file>.sig)')
    .option('--json', 'print the result as one JSON object')
    .action(async (ref: string, flags: { key?: string; signer?: string; sidecar?: string; json?: boolean }) => {
      const keyPath = resolve(flags.key ?? defaultKeyPath());
      const pem = await readKeyFile(keyPath, `create a key with 'apr keygen'${flags.key ? '' : ' or pass --key FILE'}`);
      const key = parsePrivateKey(pem, keyPath);
      const r = await withRefErrors(() => signModel(openStore(), ref, key, { signer: flags.signer }));
      const sidecar = flags.sidecar ? resolve(flags.sidecar) : null;
      if (sidecar) await writeFileAtomic(sidecar, r.bytes);
      const report: SignReport = {
        name: displayModelName(r.name),
        keyId: r.doc.keyId,
        manifestDigest: r.doc.manifestDigest,
        signature: r.layer.digest,
        replaced: r.replaced,
        sidecar,
      };
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const again = r.replaced.length > 0 ? `, replacing its earlier signature ${r.replaced.map(shortId).join(', ')}` : '';
      io.stdout.write(`signed '${report.name}' with key ${r.doc.keyId} (layers ${r.doc.manifestDigest}${again})\n`);
      if (sidecar) io.stdout.write(`wrote ${sidecar}\n`);
    });
}
