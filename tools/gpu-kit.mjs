#!/usr/bin/env node
/**
 * Builds the GPU kit: the gitignored folder `.gpu-kit/` that a device-machine run carries (that
 * machine has CUDA and Python but no Node and no network). Usage: `pnpm gpu-kit [--out DIR]
 * [--node PATH] [--gzip]`; then see tools/gpu-kit.md for the one device call.
 *
 * Contents:
 * - `node.xz` (or `node.gz`): this machine's Node binary (`process.execPath`), compressed; run.sh
 *   unpacks it to /tmp. Kept across rebuilds while the binary is unchanged (xz -9 takes ~1.5 min).
 * - `<entry>.mjs`: one esbuild bundle per entry of ENTRIES (all JS dependencies inside; the
 *   workspace packages bundled from their TypeScript source like the tests see them).
 * - `native/build/Release/*.node`: the trueno CPU addon and the trueno-gpu CUDA addon, and
 *   `native/CMakeLists.txt`: the addon loaders walk up from the bundle's directory to the first
 *   folder holding native/CMakeLists.txt and load native/build/Release/<addon>.node from it, so
 *   the bundles find the addons in the kit with no environment variable.
 * - `native-src/`: the trueno-gpu addon's C++ source and the Node-API headers, for run.sh's
 *   fallback build with g++ when the prebuilt addon does not load there.
 * - `lib/libstdc++.so.6`: this machine's C++ runtime, used by run.sh only if Node or an addon
 *   fails to load for a too-old libstdc++ there.
 * - `run.sh`: unpacks Node, checks glibc and the addons, runs the entries, writes results to $OUT.
 * - `manifest.json`: what was built, from which commit, and the sizes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The kit's programs, run by run.sh in this order. Each is bundled to `<name>.mjs`, takes
 * `--json PATH` (run.sh passes `$OUT/<name>.json`; stdout goes to `$OUT/<name>.log`) and exits
 * 0 (all ok), 1 (a check failed), 2 (usage/internal error) or 3 (no CUDA device). Adding a
 * program is one line here (a device run returns at most 8 files: keep to 3 entries).
 */
const ENTRIES = [
  { name: 'gpu-check', entry: 'packages/trueno-gpu/src/device-check/gpu-check-main.ts' },
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 2 ** 20;
/** The device tool's limit on the working tree plus carried paths, and the margin we keep. */
const TRAVEL_LIMIT = 64 * MiB;
const TRAVEL_WARN = 60 * MiB;

function parseArgs(argv) {
  const a = { out: join(root, '.gpu-kit'), node: process.execPath, gzip: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') a.out = resolve(argv[++i]);
    else if (argv[i] === '--node') a.node = resolve(argv[++i]);
    else if (argv[i] === '--gzip') a.gzip = true;
    else {
      console.error(`gpu-kit: unknown argument '${argv[i]}' (usage: pnpm gpu-kit [--out DIR] [--node PATH] [--gzip])`);
      process.exit(2);
    }
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

/** The run.sh of the kit (see tools/gpu-kit.md). */
function runScript(entries, nodeFile) {
  return `#!/usr/bin/env bash
# GPU kit runner, generated by tools/gpu-kit.mjs: unpacks Node, checks glibc and the native addons,
# then runs the kit's programs and writes their results to $OUT (default: <kit>/out).
#   bash .gpu-kit/run.sh                 every program: ${entries.map((e) => e.name).join(', ')}
#   bash .gpu-kit/run.sh gpu-check ARGS  one program with its arguments (e.g. --only gemv --samples 3)
# Exit code: 0 all ok, 1 a check failed, 2 usage/internal error, 3 no CUDA device (emulator only),
# 4 the kit cannot run here (Node or the CUDA addon does not load; the reason is printed).
set -u
KIT="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
OUT="\${OUT:-$KIT/out}"
WORK="\${GPU_KIT_TMP:-/tmp/gpu-kit}"
mkdir -p "$OUT" "$WORK"
ENV_TXT="$OUT/env.txt"
: > "$ENV_TXT"
say() { echo "$*" | tee -a "$ENV_TXT"; }
ENTRIES=(${entries.map((e) => e.name).join(' ')})

say "== gpu-kit $(sed -n 's/.*"built": *"\\([^"]*\\)".*/\\1/p' "$KIT/manifest.json" | head -1) commit $(sed -n 's/.*"commit": *"\\([^"]*\\)".*/\\1/p' "$KIT/manifest.json" | head -1)"
say "host: $(uname -srm), $(nproc) CPUs"
say "glibc: $(ldd --version 2>&1 | head -1)"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.memory --format=csv 2>&1 | tee -a "$ENV_TXT"
else
  say "nvidia-smi: not found"
fi

# 1. Node, unpacked once per machine (or when the kit's copy changes).
NODE="$WORK/node"
STAMP="$(cat "$KIT/node.stamp" 2>/dev/null)"
if [ ! -x "$NODE" ] || [ "$(cat "$WORK/node.stamp" 2>/dev/null)" != "$STAMP" ]; then
  rm -f "$NODE"
  case "${nodeFile}" in
    *.xz)
      if command -v xz >/dev/null 2>&1; then xz -dc "$KIT/${nodeFile}" > "$NODE.tmp"
      elif command -v python3 >/dev/null 2>&1; then python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$KIT/${nodeFile}" "$NODE.tmp"
      else say "gpu-kit: cannot unpack ${nodeFile}: neither xz nor python3 here (rebuild the kit with --gzip)"; exit 4; fi ;;
    *.gz) gzip -dc "$KIT/${nodeFile}" > "$NODE.tmp" ;;
  esac
  chmod +x "$NODE.tmp" && mv "$NODE.tmp" "$NODE" && echo "$STAMP" > "$WORK/node.stamp"
fi
if ! NODE_ERR="$("$NODE" --version 2>&1)"; then
  say "gpu-kit: the kit's Node does not start here: $NODE_ERR"
  if echo "$NODE_ERR" | grep -q 'GLIBCXX\\|CXXABI\\|libstdc++'; then
    say "gpu-kit: retrying with the kit's libstdc++ (LD_LIBRARY_PATH=$KIT/lib)"
    export LD_LIBRARY_PATH="$KIT/lib\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    NODE_ERR="$("$NODE" --version 2>&1)" || { say "gpu-kit: still failing: $NODE_ERR"; exit 4; }
  elif echo "$NODE_ERR" | grep -q 'GLIBC_'; then
    say "gpu-kit: this machine's glibc is older than the kit's Node needs (glibc 2.28 for Node 20): build the kit on an older distribution or pass --node with an older Node binary"
    exit 4
  else
    exit 4
  fi
fi
say "node: $NODE_ERR ($NODE)"

# 2. The native addons: loaded by path from the kit (see native/). The CUDA addon must load; the
# CPU addon is optional (programs fall back to the TypeScript backend and print why).
addon_error() { "$NODE" -e 'try { require(process.argv[1]); } catch (e) { console.log(String(e.message).split("\\n")[0]); }' "$1" 2>&1; }
for f in "$KIT"/native/build/Release/*.node; do
  [ -e "$f" ] || { say "gpu-kit: no prebuilt addons in the kit"; break; }
  err="$(addon_error "$f")"
  if [ -z "$err" ]; then say "addon $(basename "$f"): loads"; else say "addon $(basename "$f"): FAILS TO LOAD: $err"; fi
  if [ -n "$err" ] && echo "$err" | grep -q 'GLIBC'; then say "  (the prebuilt addon needs a newer glibc/libstdc++ than this machine has: $(ldd --version 2>&1 | head -1))"; fi
  if [ -n "$err" ] && [ "$(basename "$f")" = trueno_gpu_native.node ]; then
    if command -v g++ >/dev/null 2>&1; then
      say "gpu-kit: building the CUDA addon here with g++ (fallback)"
      if g++ -std=c++17 -O2 -shared -fPIC -I"$KIT/native-src/include" -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \\
           "$KIT/native-src/trueno-gpu/napi/addon.cpp" "$KIT/native-src/trueno-gpu/driver/cuda-api.cpp" -o "$WORK/trueno_gpu_native.node" -ldl 2>&1 | tee -a "$ENV_TXT" \\
         && [ -z "$(addon_error "$WORK/trueno_gpu_native.node")" ]; then
        export TRUENO_GPU_NATIVE_PATH="$WORK/trueno_gpu_native.node"
        say "gpu-kit: using $TRUENO_GPU_NATIVE_PATH"
      else
        say "gpu-kit: the fallback build failed too; see $ENV_TXT"; exit 4
      fi
    else
      say "gpu-kit: no g++ here for the fallback build of the CUDA addon"; exit 4
    fi
  fi
done

# 3. The programs.
run_entry() {
  local name="$1"; shift
  [ -f "$KIT/$name.mjs" ] || { say "gpu-kit: no program '$name' in the kit (have: \${ENTRIES[*]})"; return 2; }
  say "== $name $*"
  "$NODE" --max-old-space-size=16384 "$KIT/$name.mjs" --json "$OUT/$name.json" "$@" 2>&1 | tee "$OUT/$name.log"
  local rc=\${PIPESTATUS[0]}
  say "== $name exit $rc"
  return $rc
}
if [ $# -gt 0 ]; then
  run_entry "$@"; exit $?
fi
worst=0
for e in "\${ENTRIES[@]}"; do
  run_entry "$e"; rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then [ $worst -eq 0 ] || [ $worst -eq 3 ] && worst=$rc; fi
  if [ $rc -eq 3 ] && [ $worst -eq 0 ]; then worst=3; fi
done
exit $worst
`;
}

async function build() {
  const args = parseArgs(process.argv.slice(2));
  const out = args.out;
  const t0 = Date.now();
  mkdirSync(out, { recursive: true });
  // A fresh kit, except the compressed Node (slow to make), which packNode reuses when unchanged.
  for (const f of readdirSync(out)) if (!['node.xz', 'node.gz', 'node.stamp'].includes(f)) rmSync(join(out, f), { recursive: true, force: true });

  // esbuild plugins need the async API.
  const esbuild = loadEsbuild();
  for (const e of ENTRIES) {
    await esbuild.build({
      entryPoints: [join(root, e.entry)],
      outfile: join(out, `${e.name}.mjs`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      plugins: [workspaceSource],
      external: ['*.node'],
      // CommonJS code inside an ESM bundle still calls require() for Node built-ins.
      banner: { js: "import { createRequire as __gpuKitRequire } from 'node:module'; const require = __gpuKitRequire(import.meta.url);" },
      logLevel: 'warning',
    });
  }

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
  const nodeFile = basename(node.file);
  writeFileSync(join(out, 'run.sh'), runScript(ENTRIES, nodeFile));
  chmodSync(join(out, 'run.sh'), 0o755);

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
    `${JSON.stringify({ built: new Date().toISOString(), commit: `${commit}${dirty ? '+dirty' : ''}`, node: nodeVersion, entries: ENTRIES, kitBytes, files }, null, 1)}\n`,
  );

  const total = kitBytes + treeBytes;
  console.log(`gpu-kit: ${relative(root, out) || out} built in ${((Date.now() - t0) / 1000).toFixed(1)} s${node.reused ? ' (Node binary reused)' : ''}`);
  for (const f of files) if (f.bytes > 100 * 1024) console.log(`  ${f.file.padEnd(44)} ${(f.bytes / MiB).toFixed(1).padStart(6)} MiB`);
  console.log(`  kit ${(kitBytes / MiB).toFixed(1)} MiB + working tree ${(treeBytes / MiB).toFixed(1)} MiB = ${(total / MiB).toFixed(1)} MiB of the device tool's 64 MiB`);
  if (total > TRAVEL_LIMIT) {
    console.error('gpu-kit: TOO LARGE for a device call: remove large untracked files from the checkout, or rebuild with a smaller Node (--node)');
    process.exit(1);
  } else if (total > TRAVEL_WARN) {
    console.warn('gpu-kit: close to the 64 MiB limit: keep untracked files out of the checkout');
  }
  const rel = relative(root, out);
  if (rel.startsWith('..')) console.warn(`gpu-kit: ${out} is outside the checkout, so a device call will not carry it`);
  else console.log(`  device call: run({ carry: ['${rel}'], command: 'bash ${rel}/run.sh', timeout_s: 600 }) (see tools/gpu-kit.md)`);
}

build().catch((e) => {
  console.error(`gpu-kit: ${e.stack ?? e}`);
  process.exit(1);
});
