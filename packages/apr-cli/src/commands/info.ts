/**
 * `apr info [--json] [--backend NAME] [--threads N]`: what llama.cpp's `system_info` line tells a
 * user, for apr: versions, OS, CPU and the SIMD extensions found at run time, the compute backends
 * with the one `--backend` picks, and the native backend's kernel set, threads, compiler and the
 * ggml types it runs natively — or why the native addon is absent (the loader's reason, e.g.
 * `disabled by TRUENO_NATIVE=0`), and the CUDA GPU (device, compute capability, SMs, memory,
 * driver version) or why there is none (e.g. `no CUDA driver: libcuda.so.1: cannot open shared
 * object file …`). `--json` prints {@link SystemInfo}, whose field names are a stable interface
 * (fields may be added, none renamed).
 */
import { readFileSync } from 'node:fs';
import { release, type as osType } from 'node:os';
import { type Command, Option } from 'commander';
import { type BackendInfo, type GpuInfo, backendInfo, dtypeInfo, gpuInfo, loadNative } from '@sovereign/realizar';
import { applyThreads, chooseBackend } from '../backend-choice.js';
import { machineInfo, parseCpuinfo } from '../bench/cpu-info.js';
import { CliError } from '../cli-error.js';

/** CPU features `apr info` reports, in print order (the ones ggml's x86 kernels dispatch on). */
export const INFO_FEATURES = ['avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx_vnni', 'amx_tile', 'amx_int8'] as const;
/** One of {@link INFO_FEATURES}. */
export type InfoFeature = (typeof INFO_FEATURES)[number];

/** The native backend as `apr info` shows it. */
export interface NativeSystemInfo {
  readonly available: boolean;
  /** Why it is unavailable (the loader's reason), or what it runs. */
  readonly reason: string;
  /** Kernel set in use (`avx512`, `avx2`, `generic`). */
  readonly isa?: string;
  /** Kernel sets this CPU can run, best first. */
  readonly isas?: readonly string[];
  /** Threads of the pool now (after `--threads`). */
  readonly threads?: number;
  /** The pool's default size: the physical cores this process may run on. */
  readonly defaultThreads?: number;
  /** Compiler that built the addon, e.g. `gcc 12.2.0`. */
  readonly compiler?: string;
  /** ggml type names with native matmul kernels, e.g. `q8_0`. */
  readonly types?: readonly string[];
  /** The `.node` file that loaded. */
  readonly path?: string;
}

/** The `apr info --json` object. */
export interface SystemInfo {
  readonly apr: { readonly version: string };
  readonly node: { readonly version: string; readonly napi: string | null };
  readonly os: { readonly platform: string; readonly type: string; readonly release: string; readonly arch: string };
  readonly cpu: {
    readonly model: string;
    readonly physicalCores: number;
    readonly logicalCpus: number;
    /** Each of {@link INFO_FEATURES}: present or not, `unknown` where /proc/cpuinfo is not readable (non-Linux). */
    readonly features: Record<InfoFeature, boolean | 'unknown'>;
  };
  /** Every backend, whether it can run here and why. */
  readonly backends: readonly BackendInfo[];
  /** What `--backend <requested>` runs (`auto` unless given) and why. */
  readonly selected: { readonly requested: string; readonly backend: string; readonly reason: string; readonly threads: number };
  readonly native: NativeSystemInfo;
  /** The CUDA driver and its devices, or why CUDA is unavailable. */
  readonly gpu: GpuInfo;
}

interface InfoFlags {
  json?: boolean;
  backend: string;
  threads?: number;
}

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

/**
 * Feature flags from the text of /proc/cpuinfo; every feature `unknown` when `text` is undefined
 * (the file is Linux-only). Exported for tests.
 */
export function cpuFeatures(text: string | undefined): Record<InfoFeature, boolean | 'unknown'> {
  const isa = text === undefined ? undefined : new Set(parseCpuinfo(text).isa);
  return Object.fromEntries(INFO_FEATURES.map((f) => [f, isa ? isa.has(f) : 'unknown'])) as Record<InfoFeature, boolean | 'unknown'>;
}

function readCpuinfo(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
}

function nativeSystemInfo(): NativeSystemInfo {
  const r = loadNative();
  if (!r.addon) return { available: false, reason: r.reason };
  const i = r.addon.info();
  return {
    available: true,
    reason: 'matmul of the listed types in C++ SIMD; other types and ops run the TS reference',
    isa: i.isa,
    isas: i.isas,
    threads: i.threads,
    defaultThreads: i.physicalCores,
    compiler: i.compiler,
    types: i.types.map((t) => dtypeInfo(t).name),
    path: r.path,
  };
}

/**
 * Collects {@link SystemInfo}. `flags.threads` resizes the chosen backend's pool first (as `apr run
 * --threads` would), so `native.threads` shows what a run with the same flags gets.
 */
export function systemInfo(flags: { backend?: string; threads?: number } = {}, version = 'unknown'): SystemInfo {
  const machine = machineInfo();
  const requested = flags.backend ?? 'auto';
  const choice = chooseBackend(requested);
  const threads = applyThreads(choice, flags.threads);
  return {
    apr: { version },
    node: { version: process.version, napi: process.versions.napi ?? null },
    os: { platform: process.platform, type: osType(), release: release(), arch: process.arch },
    cpu: { model: machine.cpu, physicalCores: machine.physicalCores, logicalCpus: machine.logicalCpus, features: cpuFeatures(readCpuinfo()) },
    backends: backendInfo(),
    selected: { requested, backend: choice.name, reason: choice.reason, threads },
    native: nativeSystemInfo(),
    gpu: gpuInfo(),
  };
}

/** The text `apr info` prints. */
export function infoText(s: SystemInfo): string {
  const feat = INFO_FEATURES.map((f) => {
    const v = s.cpu.features[f];
    return `${f} = ${v === 'unknown' ? 'unknown' : v ? 1 : 0}`;
  }).join(' | ');
  const w = Math.max(...s.backends.map((b) => b.name.length));
  const lines = [
    `apr ${s.apr.version} (Node ${s.node.version}${s.node.napi ? `, N-API ${s.node.napi}` : ''})`,
    `os:       ${s.os.type} ${s.os.release} (${s.os.platform}/${s.os.arch})`,
    `cpu:      ${s.cpu.model}, ${s.cpu.physicalCores} physical core(s), ${s.cpu.logicalCpus} logical CPU(s)`,
    `features: ${feat}`,
    'backends:',
    ...s.backends.map((b) => `  ${b.name.padEnd(w)}  ${b.available ? 'yes' : 'no '}  ${b.reason}`),
    `--backend ${s.selected.requested} runs: ${s.selected.backend}, ${s.selected.threads} thread(s) (${s.selected.reason})`,
  ];
  const n = s.native;
  if (n.available) {
    lines.push(
      'native backend:',
      `  kernel set  ${n.isa} (available: ${(n.isas ?? []).join(', ')})`,
      `  threads     ${n.threads} (default: ${n.defaultThreads}, the physical cores; --threads N or TRUENO_THREADS to change)`,
      `  compiler    ${n.compiler}`,
      `  types       ${(n.types ?? []).join(', ')}`,
      `  runs        ${n.reason}`,
      `  addon       ${n.path}`,
    );
  } else {
    lines.push(`native backend: not available: ${n.reason}`);
  }
  lines.push(...gpuLines(s.gpu));
  return `${lines.join('\n')}\n`;
}

/** The GPU section of {@link infoText}. */
export function gpuLines(g: GpuInfo): string[] {
  if (!g.available) return [`GPU: not available: ${g.reason}`];
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  return [
    'GPU:',
    `  driver      CUDA ${g.driverVersion} (${g.library}), graphs ${g.graphs ? 'yes' : 'no'}`,
    ...(g.devices ?? []).map(
      (d) =>
        `  device ${d.ordinal}    ${d.name}, compute ${d.computeCapability} (${d.sm}), ${d.multiprocessors} SMs, ${gib(d.memoryBytes)}` +
        (d.bandwidthGBs > 0 ? `, ~${Math.round(d.bandwidthGBs)} GB/s` : ''),
    ),
  ];
}

function threadCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--threads: expected an integer ≥ 1, got '${v}'`, 2);
  return n;
}

/** Registers `apr info`. */
export function registerInfo(program: Command, io: Io): void {
  program
    .command('info')
    .description('print system info: versions, CPU features, compute backends, the native kernels in use and the CUDA GPU')
    .option('--json', 'print one JSON object instead of text')
    .option('--backend <name>', 'compute backend to report as selected: auto | native | ref', 'auto')
    .addOption(new Option('-t, --threads <n>', 'threads of the native backend (default: physical cores)').argParser(threadCount))
    .action((flags: InfoFlags, cmd: Command) => {
      const version = cmd.parent?.version() ?? 'unknown';
      const s = systemInfo(flags, version);
      io.stdout.write(flags.json ? `${JSON.stringify(s)}\n` : infoText(s));
    });
}
