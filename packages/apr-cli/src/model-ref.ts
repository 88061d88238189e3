/**
 * The MODEL argument of run/chat/serve/bench: a GGUF path, or a model reference resolved through
 * the store ($PACHA_HOME) — pulled first when it is not there yet (as `ollama run` does).
 *
 * A split model (llama.cpp shards, stored as one model layer per shard in shard order) resolves to
 * the ordered list of its shard blobs ({@link resolveModelFiles}); realizar opens such a list. Blobs
 * are named by digest, so no loader could find the siblings of the first one by name: callers that
 * take a single path ({@link resolveModelArg}: serve, bench, inspect) get a path in a directory of
 * links (in the store, `.split-links/`) that give the shards their llama.cpp names, which realizar
 * — and llama.cpp — open from the first shard's path.
 */
import { existsSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type ModelName, NotFoundError, RefError, resolveSource, sha256Bytes } from '@sovereign/pacha';
import { CliError } from './cli-error.js';
import { openStore } from './commands/list-store.js';
import { pullWithProgress } from './commands/pull.js';

/** Options of {@link resolveModelArg}. */
export interface ModelArgOptions {
  /** Pull a reference that is not in the store (progress on `io.stderr`); else an error says to pull it. */
  readonly pull: boolean;
  /** Where pull progress goes (default process.stderr). */
  readonly io?: { readonly stderr?: NodeJS.WritableStream };
  readonly env?: NodeJS.ProcessEnv;
}

async function inStore(ref: string | ModelName): Promise<readonly string[] | undefined> {
  try {
    const s = await openStore().show(ref);
    return s.modelPaths.length > 0 ? s.modelPaths : undefined;
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof RefError) return undefined;
    throw err;
  }
}

/**
 * The GGUF file(s) `arg` stands for: an existing path as is; else a store name (its model blob or
 * linked file, or its shard blobs in shard order); else a source reference whose store name is
 * present; else — with `pull` — the reference pulled now. Something spelled like a path stays a
 * path (the caller reports it missing).
 */
export async function resolveModelFiles(arg: string, o: ModelArgOptions): Promise<readonly string[]> {
  if (existsSync(arg)) return [arg];
  // Spelled like a path (absolute, ./ ../ ~, or *.gguf without a scheme): the caller reports it missing.
  if (/^[/.~]/.test(arg) || (/\.gguf$/i.test(arg) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(arg))) return [arg];
  const direct = await inStore(arg);
  if (direct) return direct;
  let store: ModelName;
  try {
    store = resolveSource(arg, o.env ?? process.env).store;
  } catch (err) {
    if (err instanceof RefError) throw new CliError(`'${arg}' is neither a model file nor a model reference: ${err.message}`, 2);
    throw err;
  }
  const stored = await inStore(store);
  if (stored) return stored;
  if (!o.pull) throw new CliError(`model '${arg}' is not in the store; run 'apr pull ${arg}' first`);
  const err = o.io?.stderr ?? process.stderr;
  err.write(`'${arg}' is not in the store; pulling it\n`);
  const r = await pullWithProgress(arg, { mode: 'auto', out: err, env: o.env });
  return r.modelPaths;
}

/**
 * Links `shards` (blob paths, in shard order) as `model-0000i-of-0000N.gguf` in a directory named
 * by the shard list under `<store>/.split-links/`, and returns the first link: a single path from
 * which realizar and llama.cpp find every shard by name. Each link is (re)made atomically (a temp
 * link renamed over it), so concurrent commands agree; links to collected blobs are harmless and
 * remade on the next use.
 */
export function linkShards(shards: readonly string[], root = openStore().root): string {
  const dir = join(root, '.split-links', sha256Bytes(shards.join('\n')).slice(7, 23));
  mkdirSync(dir, { recursive: true });
  const pad = (n: number) => String(n).padStart(5, '0');
  const links = shards.map((target, i) => {
    const link = join(dir, `model-${pad(i + 1)}-of-${pad(shards.length)}.gguf`);
    let current: string | undefined;
    try {
      current = readlinkSync(link);
    } catch {
      current = undefined;
    }
    if (current !== target) {
      const tmp = `${link}.tmp-${process.pid}`;
      rmSync(tmp, { force: true });
      symlinkSync(target, tmp);
      renameSync(tmp, link);
    }
    return link;
  });
  return links[0];
}

/**
 * One path for `arg` (see {@link resolveModelFiles}), for commands that open a single file: the
 * file itself, or for a split model the first of its shards linked under llama.cpp names
 * ({@link linkShards}).
 */
export async function resolveModelArg(arg: string, o: ModelArgOptions): Promise<string> {
  const files = await resolveModelFiles(arg, o);
  return files.length === 1 ? files[0] : linkShards(files);
}
