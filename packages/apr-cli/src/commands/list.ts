/**
 * `apr list` (alias `ls`): the models in the store, newest first, with the columns of `ollama list`
 * (NAME, ID = first 12 hex of the manifest digest, SIZE, MODIFIED); `--json` prints an array of
 * `{name, id, digest, size, modified}`. `--verify` re-hashes every blob and linked file instead and
 * exits 1 when any is corrupt or missing.
 */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { table } from '../format.js';
import { humanSize, openStore, timeAgo } from './list-store.js';

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

/** One element of `apr list --json`. */
export interface ListJsonRow {
  readonly name: string;
  readonly id: string;
  readonly digest: string;
  readonly size: number;
  /** ISO 8601. */
  readonly modified: string;
}

async function verify(io: Io, json: boolean): Promise<void> {
  const store = openStore();
  const r = await store.verify();
  if (json) io.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    for (const p of r.problems) io.stdout.write(`CORRUPT  ${p.digest}  ${p.path}: ${p.reason}\n`);
    io.stdout.write(`verified ${r.checked} file(s), ${humanSize(r.bytes)} in ${store.root}: ${r.problems.length === 0 ? 'all intact' : `${r.problems.length} problem(s)`}\n`);
  }
  if (r.problems.length > 0) {
    throw new CliError(`${r.problems.length} corrupt or missing blob(s); 'apr rm' the affected models and import or pull them again`, 1);
  }
}

/** Registers `apr list` / `apr ls`. */
export function registerList(program: Command, io: Io): void {
  program
    .command('list')
    .alias('ls')
    .description('list the models in the store ($PACHA_HOME, default ~/.cache/pacha)')
    .option('--json', 'print a JSON array (with --verify: the verify report)')
    .option('--verify', 're-hash every blob and linked file; report corrupt ones and exit 1 when any')
    .action(async (flags: { json?: boolean; verify?: boolean }) => {
      if (flags.verify) return verify(io, flags.json === true);
      const rows = await openStore().list();
      if (flags.json) {
        const out: ListJsonRow[] = rows.map((r) => ({ name: r.display, id: r.id, digest: r.digest, size: r.size, modified: r.modified.toISOString() }));
        io.stdout.write(`${JSON.stringify(out)}\n`);
        return;
      }
      const now = new Date();
      io.stdout.write(table(['NAME', 'ID', 'SIZE', 'MODIFIED'], rows.map((r) => [r.display, r.id, humanSize(r.size), timeAgo(r.modified, now)])));
    });
}
