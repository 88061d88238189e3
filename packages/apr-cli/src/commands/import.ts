/**
 * `apr import FILE --name NAME[:TAG] [--link]`: registers a local GGUF in the store. By default the
 * file is copied into `blobs/` (identical content is stored once); `--link` leaves it in place and
 * records its path, size, mtime and digest (`apr list --verify` notices later changes).
 */
import type { Command } from 'commander';
import { displayModelName, shortId } from '@sovereign/pacha';
import { assertModelFile } from '../model-loader.js';
import { humanSize, openStore, withRefErrors } from './list-store.js';

/** Registers `apr import`. */
export function registerImport(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('import')
    .description('register a local GGUF file in the model store')
    .argument('<file>', 'GGUF model file')
    .requiredOption('--name <name>', 'model name, NAME[:TAG] (tag defaults to latest)')
    .option('--link', 'do not copy: the store points at the file where it is')
    .option('--json', 'print the result as one JSON object')
    .action(async (file: string, flags: { name: string; link?: boolean; json?: boolean }) => {
      assertModelFile(file);
      const r = await withRefErrors(() => openStore().import(file, flags.name, { link: flags.link === true }));
      const name = displayModelName(r.name);
      if (flags.json) {
        io.stdout.write(`${JSON.stringify({ name, digest: r.digest, size: r.size, linked: r.linked, deduplicated: r.deduplicated })}\n`);
        return;
      }
      const how = r.linked ? 'linked in place' : r.deduplicated ? 'blob already stored' : 'copied';
      io.stdout.write(`imported ${file} as '${name}' (${shortId(r.digest)}, ${humanSize(r.size)}, ${how})\n`);
    });
}
