/**
 * The MODEL argument of run/chat/serve/bench: a GGUF path, or a model reference resolved through
 * the store ($PACHA_HOME) — pulled first when it is not there yet (as `ollama run` does).
 */
import { existsSync } from 'node:fs';
import { type ModelName, NotFoundError, RefError, resolveSource } from '@sovereign/pacha';
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

async function inStore(ref: string | ModelName): Promise<string | undefined> {
  try {
    const s = await openStore().show(ref);
    return s.modelPath;
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof RefError) return undefined;
    throw err;
  }
}

/**
 * The GGUF file `arg` stands for: an existing path as is; else a store name (its model blob or
 * linked file); else a source reference whose store name is present; else — with `pull` — the
 * reference pulled now. Something spelled like a path stays a path (the caller reports it missing).
 */
export async function resolveModelArg(arg: string, o: ModelArgOptions): Promise<string> {
  if (existsSync(arg)) return arg;
  // Spelled like a path (absolute, ./ ../ ~, or *.gguf without a scheme): the caller reports it missing.
  if (/^[/.~]/.test(arg) || (/\.gguf$/i.test(arg) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(arg))) return arg;
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
  return r.modelPath;
}
