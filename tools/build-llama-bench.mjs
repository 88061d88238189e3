#!/usr/bin/env node
/**
 * `pnpm llama-bench:build [--force] [--jobs N]`: builds llama.cpp's native `llama-bench` (CPU only)
 * from the llama.cpp source that the node-llama-cpp devDependency ships as a git bundle
 * (`node_modules/node-llama-cpp/llama/gitRelease.bundle`, release tag in `llama.cpp.info.json`
 * next to it), so `apr bench --cmp llama` can compare with the real llama-bench binary on the same
 * llama.cpp commit the node-llama-cpp prebuilt binary was built from.
 *
 * Output (gitignored, never committed): `<repo>/.cache/llama-bench/<tag>/`
 *   src/               the bundle checked out (+ node-llama-cpp's patches, as it applies them,
 *                      + LOCAL_FIXES below)
 *   build/             cmake build tree
 *   bin/llama-bench    the binary (statically linked against ggml/llama, so it can be moved)
 *   build-info.json    tag, commit, compiler, cmake flags, date
 * `apr bench --cmp llama` finds `bin/llama-bench` there when LLAMA_BENCH is unset.
 *
 * Idempotent: does nothing when the binary for the tag exists (`--force` rebuilds). Flags follow
 * the brief for a CPU-only, this-machine build: GGML_NATIVE=ON (-march=native, so the binary uses
 * whatever AVX-512/VNNI/AMX the build machine has: build it on the machine that benchmarks),
 * no GPU backends, no curl, no tests/examples, target `llama-bench` only.
 */
import { spawnSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A failure the user can fix; printed without a stack trace. */
class BuildError extends Error {}

function log(s) {
  process.stderr.write(`[llama-bench:build] ${s}\n`);
}

function parseArgs(argv) {
  const o = { force: false, jobs: Number(process.env.LLAMA_BENCH_JOBS) || availableParallelism() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') o.force = true;
    else if (a === '--jobs' || a === '-j') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new BuildError(`--jobs: expected an integer ≥ 1, got '${argv[i]}'`);
      o.jobs = n;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: pnpm llama-bench:build [--force] [--jobs N]\n');
      process.exit(0);
    } else throw new BuildError(`unknown argument '${a}' (expected --force or --jobs N)`);
  }
  return o;
}

/** node-llama-cpp's package directory, resolved from the tools package (its devDependency). */
function nodeLlamaCppDir() {
  const req = createRequire(join(repoRoot, 'tools', 'package.json'));
  let entry;
  try {
    entry = req.resolve('node-llama-cpp');
  } catch (e) {
    throw new BuildError(`node-llama-cpp is not installed for tools/ (${e.code ?? e.message}); run \`pnpm install\` first`);
  }
  let dir = dirname(entry);
  for (let i = 0; i < 6; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === 'node-llama-cpp') return dir;
    dir = dirname(dir);
  }
  throw new BuildError(`cannot find node-llama-cpp's package.json above ${entry}`);
}

/** Runs a command synchronously and returns its trimmed stdout, or undefined when it cannot run. */
function probe(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Checks git, cmake and a C++ compiler, with an install hint for each missing one. */
function checkTools() {
  const git = probe('git', ['--version']);
  if (!git) throw new BuildError('git not found on PATH: it is needed to check out the llama.cpp bundle (apt-get install git)');
  const cmake = probe('cmake', ['--version'])?.split('\n')[0];
  if (!cmake) throw new BuildError('cmake not found on PATH: llama.cpp builds with cmake ≥ 3.14 (apt-get install cmake)');
  const cxx = process.env.CXX || 'c++';
  const compiler = probe(cxx, ['--version'])?.split('\n')[0];
  if (!compiler) throw new BuildError(`C++ compiler '${cxx}' not found (set CXX, or apt-get install g++)`);
  const cc = process.env.CC || 'cc';
  if (!probe(cc, ['--version'])) throw new BuildError(`C compiler '${cc}' not found (set CC, or apt-get install gcc)`);
  const ninja = probe('ninja', ['--version']);
  return { git, cmake, compiler, generator: ninja ? 'Ninja' : undefined };
}

/** Runs a command with inherited output, rejecting with a readable error when it fails. */
function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
    child.on('error', (e) => rej(new BuildError(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? res() : rej(new BuildError(`${cmd} ${args[0]} failed with exit code ${code} (output above)`))));
  });
}

/**
 * Local fixes to the llama.cpp source, applied (idempotently) before every build. Each one names the
 * upstream report; drop it once the bundled llama.cpp contains the fix.
 *
 * amx-tile-config: ggml's `ggml_tile_config_init` (ggml-cpu/amx/mmq.cpp) fills a stack struct and
 * passes it to `_tile_loadconfig`; GCC 12 does not treat the builtin as reading that memory and
 * drops most of the stores, so `ldtilecfg` loads a half-garbage config and faults (SIGSEGV in
 * `ggml_backend_amx_mul_mat` on the first batched matmul of an AMX-repacked model: llama-bench's pp
 * test crashes on Sapphire Rapids and newer with GGML_NATIVE=ON). A compiler memory barrier that
 * takes the struct's address keeps the stores. Upstream: ggml-org/llama.cpp#20824, PR #26954.
 */
const LOCAL_FIXES = [
  {
    name: 'amx-tile-config',
    file: join('ggml', 'src', 'ggml-cpu', 'amx', 'mmq.cpp'),
    find: '    _tile_loadconfig(&tc);\n    done = true;',
    replace: '    __asm__ __volatile__("" : : "r"(&tc) : "memory"); // apr: keep tc\'s stores (GCC drops them)\n    _tile_loadconfig(&tc);\n    done = true;',
  },
];

/** Applies {@link LOCAL_FIXES} to `src`; returns the names applied now or before. */
function applyLocalFixes(src) {
  const applied = [];
  for (const fix of LOCAL_FIXES) {
    const path = join(src, fix.file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    if (text.includes(fix.replace)) applied.push(fix.name);
    else if (text.includes(fix.find)) {
      writeFileSync(path, text.replace(fix.find, fix.replace));
      log(`local fix ${fix.name} applied to ${fix.file}`);
      applied.push(fix.name);
    } else log(`local fix ${fix.name}: ${fix.file} has changed; not applied (check whether upstream fixed it)`);
  }
  return applied;
}

/** The llama-bench binary cmake produced (bin/ of the build tree; Release/ under multi-config generators). */
function findBuilt(buildDir) {
  for (const p of [join(buildDir, 'bin', 'llama-bench'), join(buildDir, 'bin', 'Release', 'llama-bench')]) if (existsSync(p)) return p;
  return undefined;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const nlc = nodeLlamaCppDir();
  const llamaDir = join(nlc, 'llama');
  const bundle = join(llamaDir, 'gitRelease.bundle');
  const infoPath = join(llamaDir, 'llama.cpp.info.json');
  if (!existsSync(bundle) || !existsSync(infoPath)) {
    throw new BuildError(`node-llama-cpp at ${nlc} ships no llama.cpp source bundle (llama/gitRelease.bundle, llama/llama.cpp.info.json)`);
  }
  const { tag } = JSON.parse(readFileSync(infoPath, 'utf8'));
  if (typeof tag !== 'string' || !/^[\w.-]+$/.test(tag)) throw new BuildError(`${infoPath}: no usable "tag" (got ${JSON.stringify(tag)})`);
  const nlcVersion = JSON.parse(readFileSync(join(nlc, 'package.json'), 'utf8')).version;

  const cache = join(repoRoot, '.cache', 'llama-bench', tag);
  const binary = join(cache, 'bin', 'llama-bench');
  if (existsSync(binary) && !opts.force) {
    log(`llama.cpp ${tag} (node-llama-cpp ${nlcVersion}): already built; --force rebuilds`);
    process.stdout.write(`${binary}\n`);
    return;
  }

  const tools = checkTools();
  log(`llama.cpp ${tag} from node-llama-cpp ${nlcVersion}; ${tools.cmake}; ${tools.compiler}; ${opts.jobs} job(s)`);
  mkdirSync(cache, { recursive: true });

  // 1. Source: clone the bundle (its only ref is HEAD) into src/, via a temporary directory so an
  //    interrupted clone is never mistaken for a complete one.
  const src = join(cache, 'src');
  if (!existsSync(join(src, 'CMakeLists.txt'))) {
    const tmp = join(cache, 'src.partial');
    rmSync(tmp, { recursive: true, force: true });
    log(`checking out ${bundle}`);
    await run('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, tmp]);
    if (!existsSync(join(tmp, 'CMakeLists.txt'))) throw new BuildError(`the bundle checked out no CMakeLists.txt in ${tmp}`);
    // node-llama-cpp applies its patches to this source before building its binaries; do the same
    // (a patch already contained in the source, or one that no longer applies, is skipped with a note).
    const patchDir = join(llamaDir, 'patches');
    for (const f of existsSync(patchDir) ? readdirSync(patchDir).filter((x) => x.endsWith('.diff')).sort() : []) {
      const p = join(patchDir, f);
      const check = spawnSync('git', ['apply', '--check', p], { cwd: tmp, encoding: 'utf8' });
      if (check.status === 0) await run('git', ['apply', p], { cwd: tmp });
      else log(`patch ${f} does not apply (already in the source?); skipped`);
    }
    renameSync(tmp, src);
  } else log(`source already checked out in ${src}`);
  const commit = probe('git', ['-C', src, 'rev-parse', 'HEAD']) ?? 'unknown';
  const localFixes = applyLocalFixes(src);

  // 2. Configure and build the one target.
  const build = join(cache, 'build');
  const flags = [
    '-DCMAKE_BUILD_TYPE=Release',
    '-DBUILD_SHARED_LIBS=OFF',
    '-DGGML_NATIVE=ON',
    '-DGGML_CUDA=OFF',
    '-DGGML_VULKAN=OFF',
    '-DGGML_METAL=OFF',
    '-DLLAMA_CURL=OFF',
    '-DLLAMA_BUILD_TESTS=OFF',
    '-DLLAMA_BUILD_EXAMPLES=OFF',
    '-DLLAMA_BUILD_SERVER=OFF',
  ];
  await run('cmake', ['-S', src, '-B', build, ...(tools.generator ? ['-G', tools.generator] : []), ...flags]);
  const t0 = Date.now();
  await run('cmake', ['--build', build, '--config', 'Release', '--target', 'llama-bench', '-j', String(opts.jobs)]);
  const built = findBuilt(build);
  if (!built) throw new BuildError(`cmake finished but no llama-bench binary is in ${join(build, 'bin')}`);

  // 3. Install: copy then rename, so bin/llama-bench exists only when complete.
  mkdirSync(dirname(binary), { recursive: true });
  copyFileSync(built, `${binary}.partial`);
  chmodSync(`${binary}.partial`, 0o755);
  renameSync(`${binary}.partial`, binary);
  const info = { tag, commit, nodeLlamaCpp: nlcVersion, localFixes, compiler: tools.compiler, cmake: tools.cmake, flags, buildSeconds: (Date.now() - t0) / 1000, date: new Date().toISOString() };
  writeFileSync(join(cache, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  log(`built in ${info.buildSeconds.toFixed(0)} s (commit ${commit.slice(0, 12)})`);
  process.stdout.write(`${binary}\n`);
}

main().catch((e) => {
  log(`error: ${e instanceof BuildError ? e.message : (e?.stack ?? String(e))}`);
  process.exit(1);
});
