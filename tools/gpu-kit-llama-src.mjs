/**
 * The GPU kit's llama.cpp source: the llama.cpp release node-llama-cpp ships as a git bundle
 * (`node_modules/node-llama-cpp/llama/gitRelease.bundle`, tag in `llama.cpp.info.json`), checked
 * out with node-llama-cpp's patches (as tools/build-llama-bench.mjs does), trimmed to what
 * `llama-bench` with GGML_CUDA needs, as one `tar.xz` (~3 MiB instead of the 35 MiB bundle).
 *
 * Trimmed away: every ggml backend but CPU and CUDA, the tools but llama-bench (tools/CMakeLists.txt
 * is rewritten to add only that one), examples, tests, docs, models, Python, the web UI, and
 * vendor/miniaudio's header (only the multimodal tools include it; its CMake target stays).
 * Patched: cmake/build-info.cmake records the bundle's commit instead of asking git (the trimmed
 * tree has no .git, and inside another repository git would name that repository's commit).
 * The AMX fix of build-llama-bench.mjs is not needed: the kit builds with GGML_NATIVE=OFF and no AMX.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** ggml backends whose source directories the kit leaves out (the build turns them all off). */
const DROPPED_BACKENDS = [
  'ggml-blas', 'ggml-cann', 'ggml-et', 'ggml-hexagon', 'ggml-hip', 'ggml-metal', 'ggml-musa', 'ggml-opencl', 'ggml-openvino',
  'ggml-rpc', 'ggml-sycl', 'ggml-virtgpu', 'ggml-vulkan', 'ggml-webgpu', 'ggml-zdnn', 'ggml-zendnn',
];

/** Top-level paths of the source tree that travel (everything else is left out). */
const KEPT_TOP = ['CMakeLists.txt', 'LICENSE', 'cmake', 'common', 'ggml', 'include', 'licenses', 'src', 'tools', 'vendor'];

/** tools/CMakeLists.txt of the trimmed tree: llama-bench only. */
const TOOLS_CMAKE = `# apr gpu-kit: the trimmed llama.cpp source builds llama-bench only (tools/gpu-kit-llama-src.mjs)
find_package(Threads REQUIRED)
llama_add_compile_flags()
add_subdirectory(llama-bench)
`;

/** A failure with a message that says what to do. */
export class LlamaSourceError extends Error {
  name = 'LlamaSourceError';
}

function git(args, cwd) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new LlamaSourceError(`git ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout.trim();
}

/** node-llama-cpp's package directory as the tools package resolves it (its devDependency), or undefined. */
export function nodeLlamaCppDir(root) {
  const req = createRequire(join(root, 'tools', 'package.json'));
  let dir;
  try {
    dir = dirname(req.resolve('node-llama-cpp'));
  } catch {
    return undefined;
  }
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === 'node-llama-cpp') return dir;
  }
  return undefined;
}

/**
 * Where the bundle is and what it holds: `{ bundle, tag, patches, stamp }`; `stamp` changes when
 * the bundle or the patches change (the kit reuses its tarball while it is the same).
 */
export function llamaSourceInfo(root) {
  const nlc = nodeLlamaCppDir(root);
  if (!nlc) throw new LlamaSourceError('node-llama-cpp is not installed for tools/ (run `pnpm install`)');
  const llama = join(nlc, 'llama');
  const bundle = join(llama, 'gitRelease.bundle');
  const info = join(llama, 'llama.cpp.info.json');
  if (!existsSync(bundle) || !existsSync(info)) throw new LlamaSourceError(`${nlc} ships no llama/gitRelease.bundle + llama.cpp.info.json`);
  const { tag } = JSON.parse(readFileSync(info, 'utf8'));
  const patchDir = join(llama, 'patches');
  const patches = existsSync(patchDir) ? readdirSync(patchDir).filter((f) => f.endsWith('.diff')).sort().map((f) => join(patchDir, f)) : [];
  const s = statSync(bundle);
  const stamp = JSON.stringify({ v: 2, tag, bundle: [s.size, s.mtimeMs], patches: patches.map((p) => [p, statSync(p).size]) });
  return { bundle, tag, patches, stamp };
}

/** Paths (relative to the source root) to leave out of the tarball. */
function excluded(src) {
  const out = [];
  for (const b of DROPPED_BACKENDS) if (existsSync(join(src, 'ggml', 'src', b))) out.push(`ggml/src/${b}`);
  for (const t of readdirSync(join(src, 'tools'))) if (t !== 'llama-bench' && t !== 'CMakeLists.txt') out.push(`tools/${t}`);
  for (const p of ['vendor/miniaudio/miniaudio.h', 'ggml/src/ggml-cuda/template-instances/generate_cu_files.py']) if (existsSync(join(src, p))) out.push(p);
  return out;
}

/**
 * Checks the bundle out into a temporary directory, applies node-llama-cpp's patches, trims and
 * patches the tree and writes `outFile` (tar.xz, top directory `llama.cpp/`). Returns
 * `{ tag, commit, patches, bytes }`. Takes ~20 s (xz -9 of ~20 MB).
 */
export function packLlamaSource(root, outFile) {
  const info = llamaSourceInfo(root);
  const tmp = mkdtempSync(join(tmpdir(), 'gpu-kit-llama-'));
  try {
    const src = join(tmp, 'llama.cpp');
    git(['-c', 'advice.detachedHead=false', 'clone', '--quiet', info.bundle, src]);
    const commit = git(['rev-parse', 'HEAD'], src);
    const applied = [];
    for (const p of info.patches) {
      if (spawnSync('git', ['apply', '--check', p], { cwd: src }).status === 0) {
        git(['apply', p], src);
        applied.push(p.split('/').pop());
      }
    }
    writeFileSync(join(src, 'tools', 'CMakeLists.txt'), TOOLS_CMAKE);
    const bi = join(src, 'cmake', 'build-info.cmake');
    const text = readFileSync(bi, 'utf8');
    const patched = text
      .replace('set(BUILD_COMMIT "unknown")', `set(BUILD_COMMIT "${commit.slice(0, 7)}") # apr gpu-kit: from the bundle`)
      .replace(/if\(Git_FOUND\)\n/, 'if(FALSE) # apr gpu-kit: no .git in the trimmed tree\n');
    if (patched === text || !patched.includes('if(FALSE)')) throw new LlamaSourceError(`${bi} changed upstream: update the build-info patch in tools/gpu-kit-llama-src.mjs`);
    writeFileSync(bi, patched);
    writeFileSync(join(src, 'APR-GPU-KIT.json'), `${JSON.stringify({ tag: info.tag, commit, patches: applied, trimmed: excluded(src) }, null, 1)}\n`);
    const excludes = excluded(src).map((p) => `--exclude=llama.cpp/${p}`);
    const members = [...KEPT_TOP, 'APR-GPU-KIT.json'].filter((p) => existsSync(join(src, p))).map((p) => `llama.cpp/${p}`);
    const tar = spawnSync('tar', ['-C', tmp, '--owner=0', '--group=0', '--sort=name', ...excludes, '-cf', '-', ...members], { maxBuffer: 1 << 30 });
    if (tar.status !== 0) throw new LlamaSourceError(`tar failed: ${tar.stderr?.toString()}`);
    const xz = spawnSync('xz', ['-9', '-T0', '-c'], { input: tar.stdout, maxBuffer: 1 << 30 });
    if (xz.status !== 0) throw new LlamaSourceError(`xz failed: ${xz.stderr?.toString() ?? xz.error?.message}`);
    writeFileSync(outFile, xz.stdout);
    return { tag: info.tag, commit, patches: applied, tarBytes: tar.stdout.length, bytes: xz.stdout.length };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
