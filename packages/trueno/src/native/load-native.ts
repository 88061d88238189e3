/**
 * Loads the native addon built by `scripts/build-native.mjs`. In the style of node-llama-cpp's
 * loader it never throws: the result is the addon with its ISA and thread count, or `null` with
 * the reason (not built and why, disabled, failed to load), which `backendInfo()` and `apr info`
 * print.
 *
 * Environment:
 * - `TRUENO_NATIVE=0` (or `off`, `false`): do not load the addon.
 * - `TRUENO_NATIVE_PATH`: load this `.node` file instead of the package's build.
 * - `TRUENO_ISA`: `generic` | `avx2` | `avx512`, to run a lower kernel set than the best (read by
 *   the addon when it loads).
 * - `TRUENO_THREADS`: thread count (default: physical cores).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddon } from './native-addon.js';

/** The result of {@link loadNative}. */
export type NativeLoadResult =
  | { readonly addon: NativeAddon; readonly isa: string; readonly threads: number; readonly path: string }
  | { readonly addon: null; readonly reason: string };

const ADDON = join('native', 'build', 'Release', 'trueno_native.node');
const STATUS = join('native', 'build', 'build-status.json');
const FUNCTIONS = [
  'info',
  'setThreads',
  'setIsa',
  'setSpinMicros',
  'matmul',
  'quantizeRow',
  'rmsNorm',
  'rope',
  'addBias',
  'add',
  'swiglu',
  'softmax',
  'storeKv',
  'attention',
  'getRows',
  'argmax',
] as const;

let cached: NativeLoadResult | undefined;

/**
 * The package directory holding `native/` (from src/native/ in tests, from dist/ when bundled),
 * found by walking up from this module.
 */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'native', 'CMakeLists.txt'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function notBuiltReason(root: string): string {
  try {
    const status = JSON.parse(readFileSync(join(root, STATUS), 'utf8')) as { ok?: boolean; reason?: string };
    if (status.ok === false && status.reason) return `native addon not built: ${status.reason}`;
  } catch {
    // No status: the build script never ran (e.g. install scripts were skipped).
  }
  return 'native addon not built (run `pnpm --filter @sovereign/trueno build:native`)';
}

function load(): NativeLoadResult {
  const flag = process.env.TRUENO_NATIVE?.toLowerCase();
  if (flag === '0' || flag === 'off' || flag === 'false') return { addon: null, reason: `disabled by TRUENO_NATIVE=${process.env.TRUENO_NATIVE}` };
  let path = process.env.TRUENO_NATIVE_PATH;
  if (!path) {
    const root = packageRoot();
    if (!root) return { addon: null, reason: 'native addon not found: no native/ directory beside the trueno package' };
    path = join(root, ADDON);
    if (!existsSync(path)) return { addon: null, reason: notBuiltReason(root) };
  }
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    return { addon: null, reason: `failed to load ${path}: ${(e as Error).message.split('\n')[0]}` };
  }
  const missing = FUNCTIONS.filter((f) => typeof (addon as unknown as Record<string, unknown>)[f] !== 'function');
  if (missing.length > 0) return { addon: null, reason: `${path} is not a compatible trueno addon (missing ${missing.join(', ')}); rebuild it` };
  try {
    const threads = Number(process.env.TRUENO_THREADS);
    if (Number.isInteger(threads) && threads > 0) addon.setThreads(threads);
    const info = addon.info();
    return { addon, isa: info.isa, threads: info.threads, path };
  } catch (e) {
    return { addon: null, reason: `native addon failed to start: ${(e as Error).message}` };
  }
}

/**
 * The native addon, or `null` with the reason it is unavailable. Never throws. The result is
 * cached; `reload` loads again (after changing the environment, in tests) — Node keeps a loaded
 * `.node` file for the life of the process, so a reload returns the same addon object.
 */
export function loadNative(opts: { reload?: boolean } = {}): NativeLoadResult {
  if (!cached || opts.reload) {
    try {
      cached = load();
    } catch (e) {
      cached = { addon: null, reason: `native loader failed: ${(e as Error).message}` };
    }
  }
  return cached;
}
