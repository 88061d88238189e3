/** `apr rm REF...`: deletes manifests and garbage-collects the blobs no other model references. */
import type { Command } from 'commander';
import { shortId } from '@sovereign/pacha';
import { openStore, withRefErrors } from './list-store.js';

/** Registers `apr rm`. */
export function registerRm(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('rm')
    .description('remove models from the store; blobs no other model uses are deleted')
    .argument('<ref...>', 'model name(s), e.g. qwen2.5-coder:1.5b')
    .action(async (refs: string[]) => {
      const store = openStore();
      for (const ref of refs) {
        const r = await withRefErrors(() => store.rm(ref));
        const freed = r.blobsRemoved.length === 0 ? '' : ` (freed blob${r.blobsRemoved.length > 1 ? 's' : ''} ${r.blobsRemoved.map(shortId).join(', ')})`;
        io.stdout.write(`deleted '${ref}'${freed}\n`);
      }
    });
}
