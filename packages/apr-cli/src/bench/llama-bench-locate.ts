/**
 * Where `apr bench --cmp llama` finds the native `llama-bench` binary: `LLAMA_BENCH` when set, else
 * the one `pnpm llama-bench:build` (tools/build-llama-bench.mjs) left in the workspace cache,
 * `<repo>/.cache/llama-bench/<tag>/bin/llama-bench`. The cache is looked for above this module
 * (src/ or dist/ of apr-cli inside the workspace) and above the working directory. Among several
 * tags the one node-llama-cpp ships (its `llama/llama.cpp.info.json`) wins, so both llama.cpp
 * engines run the same commit; otherwise the most recently built.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The cache directory below a workspace root. */
export const LLAMA_BENCH_CACHE = join('.cache', 'llama-bench');

/** Result of {@link locateLlamaBench}: a binary and where it came from, or why there is none. */
export type LlamaBenchLocation =
  | { readonly path: string; readonly source: string; readonly tag?: string }
  | { readonly path: undefined; readonly reason: string };

/** Directories from `start` up to the filesystem root. */
function ancestors(start: string): string[] {
  const out: string[] = [];
  let dir = start;
  for (;;) {
    out.push(dir);
    const up = dirname(dir);
    if (up === dir) return out;
    dir = up;
  }
}

/** The llama.cpp release tag node-llama-cpp was built from, when it is installed. */
export function nodeLlamaCppTag(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('node-llama-cpp');
    for (const dir of ancestors(dirname(entry)).slice(0, 6)) {
      const info = join(dir, 'llama', 'llama.cpp.info.json');
      if (existsSync(info)) {
        const tag = (JSON.parse(readFileSync(info, 'utf8')) as { tag?: unknown }).tag;
        return typeof tag === 'string' ? tag : undefined;
      }
    }
  } catch {
    // Not installed (a production install of apr-cli): no preferred tag.
  }
  return undefined;
}

/** Built binaries under one cache directory: tag → path, with the binary's mtime. */
export function builtBinaries(cacheDir: string): { tag: string; path: string; mtimeMs: number }[] {
  let tags: string[];
  try {
    tags = readdirSync(cacheDir);
  } catch {
    return [];
  }
  const out: { tag: string; path: string; mtimeMs: number }[] = [];
  for (const tag of tags) {
    const path = join(cacheDir, tag, 'bin', 'llama-bench');
    try {
      const st = statSync(path);
      if (st.isFile()) out.push({ tag, path, mtimeMs: st.mtimeMs });
    } catch {
      // No binary for this tag (a build that did not finish).
    }
  }
  return out;
}

/**
 * Picks the binary: `env` (the value of `LLAMA_BENCH`) when non-empty, else the workspace cache
 * found above `searchFrom` (default: this module's directory and the working directory), the
 * `preferTag` build first.
 */
export function locateLlamaBench(
  o: { env?: string; searchFrom?: readonly string[]; preferTag?: string } = { env: process.env.LLAMA_BENCH },
): LlamaBenchLocation {
  if (o.env) return { path: o.env, source: 'LLAMA_BENCH' };
  const starts = o.searchFrom ?? [dirname(fileURLToPath(import.meta.url)), process.cwd()];
  const preferTag = 'preferTag' in o ? o.preferTag : nodeLlamaCppTag();
  const seen = new Set<string>();
  for (const start of starts) {
    for (const dir of ancestors(start)) {
      const cache = join(dir, LLAMA_BENCH_CACHE);
      if (seen.has(cache)) continue;
      seen.add(cache);
      const found = builtBinaries(cache);
      if (found.length === 0) continue;
      const pick = found.find((b) => b.tag === preferTag) ?? found.sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
      return { path: pick.path, source: `built by pnpm llama-bench:build (llama.cpp ${pick.tag})`, tag: pick.tag };
    }
  }
  return { path: undefined, reason: 'no llama-bench binary: run `pnpm llama-bench:build` or set LLAMA_BENCH=/path/to/llama-bench' };
}
