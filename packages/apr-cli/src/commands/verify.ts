/**
 * `apr verify REF [--json]`: re-hashes every layer of a stored model and checks its signatures
 * against the trusted keys (`apr trust`). Exits 0 only when every layer is intact, every signature
 * is sound and at least one is from a trusted key; otherwise 1, saying what to do.
 */
import type { Command } from 'commander';
import { type ModelVerifyReport, shortId, verifyModel } from '@sovereign/pacha';
import { CliError } from '../cli-error.js';
import { humanSize, openStore, withRefErrors } from './list-store.js';

/** The text `apr verify` prints. */
export function verifyText(r: ModelVerifyReport): string {
  const out = [`model      ${r.name}`, `layers     ${r.manifestDigest} (what signatures cover)`];
  for (const l of r.layers) {
    out.push(`  ${l.ok ? 'ok     ' : 'CORRUPT'}  ${l.kind.padEnd(9)}  ${shortId(l.digest)}  ${humanSize(l.size).padStart(7)}  ${l.path}`);
    if (l.problem) out.push(`           ${l.problem}`);
  }
  out.push(r.signatures.length === 0 ? 'signatures none' : 'signatures');
  for (const s of r.signatures) {
    const who = s.keyId ? `key ${s.keyId}${s.signer ? ` (${s.signer})` : ''}${s.created ? ` signed ${s.created}` : ''}` : `layer ${shortId(s.digest)}`;
    out.push(`  ${s.status.padEnd(16)}  ${who}`);
    if (s.problem && s.status !== 'untrusted') out.push(`           ${s.problem}`);
  }
  out.push(`status     ${r.status}`);
  return `${out.join('\n')}\n`;
}

/** Why `r` is not acceptable and what to do about it; undefined when it is (signed-trusted). */
export function verifyFailure(r: ModelVerifyReport): string | undefined {
  switch (r.status) {
    case 'signed-trusted':
      return undefined;
    case 'unsigned':
      return `model '${r.name}' is not signed; sign it with 'apr sign ${r.name}' (after 'apr keygen'), or get its publisher's .sig`;
    case 'signed-untrusted': {
      const keys = r.signatures.map((s) => `${s.keyId}${s.signer ? ` (${s.signer})` : ''}`).join(', ');
      return `model '${r.name}' is signed only by untrusted key(s) ${keys}; if you trust the signer, add their public key with 'apr trust KEY.pub'`;
    }
    case 'invalid':
      return `model '${r.name}' failed verification: ${r.problems.filter((p) => !/^key [0-9a-f]+ is not trusted$/.test(p)).join('; ')}; 'apr rm' it and import or pull it again`;
  }
}

/** Registers `apr verify`. */
export function registerVerify(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('verify')
    .description('check a stored model: re-hash its layers, verify its signatures against the trusted keys')
    .argument('<ref>', 'model name, e.g. qwen2.5-coder:1.5b')
    .option('--json', 'print the report as one JSON object')
    .action(async (ref: string, flags: { json?: boolean }) => {
      const r = await withRefErrors(() => verifyModel(openStore(), ref));
      io.stdout.write(flags.json ? `${JSON.stringify(r)}\n` : verifyText(r));
      const why = verifyFailure(r);
      if (why) throw new CliError(why, 1);
    });
}
