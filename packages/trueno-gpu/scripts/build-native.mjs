#!/usr/bin/env node
/**
 * Builds trueno-gpu's native addon (native/: the CUDA driver binding) with the machine's cmake and
 * C++ compiler through cmake-js, in Release. Run by `pnpm install` (the package's `install`
 * script) and by `pnpm run build:native`. Needs no CUDA toolkit and no GPU: the addon dlopens
 * libcuda.so.1 at run time.
 *
 * Never fails the install: when cmake or a compiler is missing, or the build breaks, it prints
 * the reason and records it in native/build/build-status.json, where the TypeScript loader
 * (src/driver/load-cuda-driver.ts) finds it and reports it as the reason CUDA is unavailable.
 *
 * Environment: TRUENO_GPU_SKIP_NATIVE=1 skips the build; CXX picks the compiler; TRUENO_NATIVE_JOBS
 * sets build parallelism (default: all CPUs).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(packageRoot, 'native');
const buildDir = join(nativeDir, 'build');
const statusFile = join(buildDir, 'build-status.json');
const addonFile = join(buildDir, 'Release', 'trueno_gpu_native.node');
const started = Date.now();

function writeStatus(status) {
  mkdirSync(buildDir, { recursive: true });
  const full = { ...status, seconds: Math.round((Date.now() - started) / 100) / 10, node: process.version, date: new Date().toISOString() };
  writeFileSync(statusFile, `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

function fail(reason) {
  rmSync(addonFile, { force: true });
  writeStatus({ ok: false, reason });
  console.warn(`[trueno-gpu] native addon not built: ${reason}`);
  console.warn('[trueno-gpu] the `cuda` backend will be unavailable; `apr info` shows this reason.');
}

/** First line of `cmd --version`, or undefined when it cannot run. */
function version(cmd) {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
}

async function main() {
  if (process.env.TRUENO_GPU_SKIP_NATIVE === '1') return fail('build skipped (TRUENO_GPU_SKIP_NATIVE=1)');
  const cmake = version('cmake');
  if (!cmake) return fail('cmake not found on PATH (install cmake >= 3.15 and a C++17 compiler, then run `pnpm --filter @sovereign/trueno-gpu build:native`)');
  const cxxCmd = process.env.CXX || ['c++', 'g++', 'clang++'].find((c) => version(c));
  const cxx = cxxCmd && version(cxxCmd);
  if (!cxx) return fail('no C++ compiler found (set CXX, or install g++ or clang++)');

  const require = createRequire(import.meta.url);
  let BuildSystem;
  try {
    ({ BuildSystem } = require('cmake-js'));
    require.resolve('node-api-headers');
    require.resolve('node-addon-api');
  } catch (e) {
    return fail(`build dependency missing: ${e.message.split('\n')[0]}`);
  }

  const jobs = Number(process.env.TRUENO_NATIVE_JOBS) || availableParallelism();
  const bs = new BuildSystem({
    directory: nativeDir,
    out: buildDir,
    config: 'Release',
    parallel: jobs,
    cxx: process.env.CXX,
    logLevel: 'warn',
  });
  // cmake-js decides Node-API vs. full node headers from a package.json next to CMakeLists.txt;
  // native/ has none, so say it here: with Node-API the headers come from node-api-headers and
  // cmake-js downloads nothing.
  bs.options.isNodeApi = true;
  console.log(`[trueno-gpu] building native addon (${cmake}; ${cxx}; ${jobs} jobs)`);
  try {
    await bs.build();
  } catch (e) {
    return fail(`build failed: ${String(e?.message ?? e).split('\n')[0]} (see the cmake output above)`);
  }
  const s = writeStatus({ ok: true, reason: 'built', addon: relative(packageRoot, addonFile), cmake, cxx });
  console.log(`[trueno-gpu] native addon built in ${s.seconds} s: ${s.addon}`);
}

main().catch((e) => fail(`unexpected error: ${e?.message ?? e}`));
