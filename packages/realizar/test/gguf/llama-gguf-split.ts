/**
 * llama.cpp's own `llama-gguf-split`, built for tests from the sources node-llama-cpp ships: the
 * tool's one .cpp file (and the headers it includes) come out of node-llama-cpp's llama.cpp git
 * bundle, and it links against the prebuilt libraries of @node-llama-cpp/linux-x64 (libllama,
 * libllama-common, libggml-base), so building it is one g++ call of about a second. Cached under
 * the OS temp dir by release tag and library folder. Resolves to undefined, with the reason, when
 * any piece is missing (not linux-x64, no git or g++, no bundle) — callers skip then.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The built tool, or why there is none. */
export type GGUFSplitTool = { readonly path: string } | { readonly path?: undefined; readonly reason: string };

function run(cmd: string, args: string[], cwd?: string): string | undefined {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.status === 0 ? r.stdout : undefined;
}

/** Builds (once per tag) and returns the `llama-gguf-split` binary. */
export function llamaGGUFSplit(): GGUFSplitTool {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { reason: `no prebuilt node-llama-cpp libraries for ${process.platform}-${process.arch} here` };
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('node-llama-cpp');
  } catch {
    return { reason: 'node-llama-cpp is not installed' };
  }
  const nlc = dirname(dirname(entry)); // …/node_modules/node-llama-cpp
  const bins = join(dirname(nlc), '@node-llama-cpp', 'linux-x64', 'bins', 'linux-x64');
  const bundle = join(nlc, 'llama', 'gitRelease.bundle');
  const info = join(nlc, 'llama', 'llama.cpp.info.json');
  if (!existsSync(join(bins, 'libggml-base.so')) || !existsSync(bundle) || !existsSync(info)) {
    return { reason: `node-llama-cpp ships no llama.cpp bundle or linux-x64 libraries (looked in ${nlc})` };
  }
  const libs = readdirSync(bins);
  const libllama = libs.find((f) => /^libllama(\.v[\d.]+)?\.so$/.test(f));
  const libggml = libs.find((f) => /^libggml(\.v[\d.]+)?\.so$/.test(f));
  if (!libllama || !libggml || !existsSync(join(bins, 'libllama-common.so'))) return { reason: `no libllama/libllama-common/libggml in ${bins}` };
  const tag = (JSON.parse(readFileSync(info, 'utf8')) as { tag: string }).tag;
  // The binary finds the libraries through its rpath (`bins`), so the cache is per library folder
  // too: a binary built from another checkout (since deleted) would fail to load its libraries.
  const dir = join(tmpdir(), `apr-llama-gguf-split-${tag}-${createHash('sha256').update(bins).digest('hex').slice(0, 12)}`);
  const bin = join(dir, 'llama-gguf-split');
  if (existsSync(bin)) return { path: bin };
  if (run('git', ['--version']) === undefined || run('g++', ['--version']) === undefined) return { reason: 'git and g++ are needed to build llama-gguf-split' };
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const repo = join(work, 'repo');
    if (run('git', ['clone', '--quiet', '--no-checkout', bundle, repo]) === undefined) return { reason: `git could not read ${bundle}` };
    const src = join(work, 'src');
    mkdirSync(src);
    const paths = ['include', 'ggml/include', 'common', 'vendor', 'tools/gguf-split/gguf-split.cpp'];
    const tar = spawnSync('sh', ['-c', `git -C '${repo}' archive HEAD ${paths.join(' ')} | tar -x -C '${src}'`], { encoding: 'utf8' });
    if (tar.status !== 0) return { reason: `git archive of the llama.cpp bundle failed: ${tar.stderr}` };
    const out = join(work, 'llama-gguf-split');
    const cc = spawnSync(
      'g++',
      [
        '-std=c++17',
        '-O1',
        ...['include', 'ggml/include', 'common', 'vendor'].map((d) => `-I${join(src, d)}`),
        join(src, 'tools/gguf-split/gguf-split.cpp'),
        '-o',
        out,
        `-L${bins}`,
        '-l:libllama-common.so',
        `-l:${libllama}`,
        '-l:libggml-base.so',
        `-l:${libggml}`,
        `-Wl,-rpath,${bins}`,
      ],
      { encoding: 'utf8' },
    );
    if (cc.status !== 0) return { reason: `g++ could not build llama-gguf-split: ${cc.stderr.slice(0, 500)}` };
    mkdirSync(dir, { recursive: true });
    renameSync(out, bin);
    return { path: bin };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
