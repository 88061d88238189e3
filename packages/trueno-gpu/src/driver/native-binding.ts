/**
 * The addon built from native/ (scripts/build-native.mjs) as TypeScript sees it, and its loader.
 * The addon is a thin N-API layer over the driver entry points: handles and device pointers are
 * bigint, host memory is an ArrayBuffer or a view of one, a failing CUresult throws an Error with
 * `cuCode`/`cuName`/`cuString`/`cuCall` (see cuda-error.ts). Use it through CudaDriver only: the
 * async copies here do not keep their host buffers alive — CudaStream does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Host memory the addon reads or writes (all of the view). */
export type HostMemory = ArrayBuffer | ArrayBufferView;

/** One dlopen'ed libcuda: the driver calls, 1:1 with the CUDA driver API. */
export interface NativeCudaLibrary {
  info(): { path: string; missing: string[]; graphs: boolean; pinnedHost: boolean };
  init(): void;
  driverVersion(): number;
  deviceCount(): number;
  device(ordinal: number): number;
  deviceName(device: number): string;
  deviceTotalMem(device: number): number;
  deviceAttribute(device: number, attribute: number): number;
  memGetInfo(): { free: number; total: number };
  primaryCtxRetain(device: number): bigint;
  primaryCtxRelease(device: number): void;
  ctxSetCurrent(context: bigint): void;
  ctxSynchronize(): void;
  moduleLoad(ptx: string, verbose: boolean): { module: bigint; infoLog: string; wallMs: number };
  moduleGetFunction(module: bigint, name: string): bigint;
  moduleUnload(module: bigint): void;
  funcGetAttribute(fn: bigint, attribute: number): number;
  funcSetAttribute(fn: bigint, attribute: number, value: number): void;
  memAlloc(bytes: number): bigint;
  memFree(ptr: bigint): void;
  memAllocHost(bytes: number): ArrayBuffer;
  memFreeHost(buffer: ArrayBuffer): void;
  memcpyHtoD(dst: bigint, src: HostMemory): void;
  memcpyDtoH(dst: HostMemory, src: bigint): void;
  memcpyDtoD(dst: bigint, src: bigint, bytes: number): void;
  memcpyHtoDAsync(dst: bigint, src: HostMemory, stream: bigint): void;
  memcpyDtoHAsync(dst: HostMemory, src: bigint, stream: bigint): void;
  memsetD8(dst: bigint, value: number, bytes: number): void;
  streamCreate(flags: number): bigint;
  streamSynchronize(stream: bigint): void;
  streamDestroy(stream: bigint): void;
  launch(
    fn: bigint,
    gx: number,
    gy: number,
    gz: number,
    bx: number,
    by: number,
    bz: number,
    sharedBytes: number,
    stream: bigint,
    slots: Uint8Array,
    count: number,
  ): void;
  streamBeginCapture(stream: bigint, mode: number): void;
  streamEndCapture(stream: bigint): bigint;
  graphInstantiate(graph: bigint): bigint;
  graphLaunch(exec: bigint, stream: bigint): void;
  graphExecDestroy(exec: bigint): void;
  graphDestroy(graph: bigint): void;
  errorName(code: number): string | undefined;
  errorString(code: number): string | undefined;
}

/** The addon module. */
export interface NativeCudaAddon {
  readonly abiVersion: number;
  /** dlopen(path); throws an Error whose message is why the library is unusable. */
  readonly CudaLibrary: new (path: string) => NativeCudaLibrary;
}

const ADDON = join('native', 'build', 'Release', 'trueno_gpu_native.node');
const STATUS = join('native', 'build', 'build-status.json');
const ABI_VERSION = 1;

/** The package directory holding native/ (from src/driver/ in tests, from dist/ when bundled). */
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
    // No status: the build script never ran (install scripts skipped).
  }
  return 'native addon not built (run `pnpm --filter @sovereign/trueno-gpu build:native`)';
}

/**
 * Loads the addon (`TRUENO_GPU_NATIVE_PATH` overrides the package's build). Never throws: the
 * addon, or why it is absent (not built and the build's reason, or failed to load).
 */
export function loadNativeCudaAddon(): { addon: NativeCudaAddon } | { addon: null; reason: string } {
  let path = process.env.TRUENO_GPU_NATIVE_PATH;
  if (!path) {
    const root = packageRoot();
    if (!root) return { addon: null, reason: 'native addon not found: no native/ directory beside the trueno-gpu package' };
    path = join(root, ADDON);
    if (!existsSync(path)) return { addon: null, reason: notBuiltReason(root) };
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeCudaAddon;
    if (addon.abiVersion !== ABI_VERSION || typeof addon.CudaLibrary !== 'function') {
      return { addon: null, reason: `${path} is not a compatible trueno-gpu addon (abi ${String(addon.abiVersion)}, want ${ABI_VERSION}); rebuild it` };
    }
    return { addon };
  } catch (e) {
    return { addon: null, reason: `failed to load ${path}: ${(e as Error).message.split('\n')[0]}` };
  }
}
