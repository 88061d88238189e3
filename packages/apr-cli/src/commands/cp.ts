/** `apr cp SRC DST`: copies a manifest under a new name; the blobs are shared, nothing is duplicated. */
import type { Command } from 'commander';
import { displayModelName } from '@sovereign/pacha';
import { openStore, withRefErrors } from './list-store.js';

/** Registers `apr cp`. */
export function registerCp(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('cp')
    .description('copy a model to a new name (shares its blobs)')
    .argument('<src>', 'existing model name')
    .argument('<dst>', 'new model name')
    .action(async (src: string, dst: string) => {
      const to = await withRefErrors(() => openStore().cp(src, dst));
      io.stdout.write(`copied '${src}' to '${displayModelName(to)}'\n`);
    });
}
