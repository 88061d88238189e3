/**
 * `gpu-check`: the GPU kit's first entry (tools/gpu-kit.mjs bundles gpu-check-main.ts). Prints
 * the host (Node, glibc, addons), runs the kernel conformance table on the emulator (which
 * exercises the bundle on any machine), then, when a CUDA driver and device are found, prints
 * the driver and devices and runs the device-scale table on GPU 0 with timing. Writes the whole
 * result as JSON (`--json PATH`) and returns the exit code.
 *
 * Exit codes ({@link GPU_CHECK_EXIT}): 0 every case within its bound on the device; 1 a case
 * failed (emulator or device); 2 bad arguments or an internal error; 3 no CUDA driver or device
 * (the emulator table passed).
 */
import { writeFileSync } from 'node:fs';
import { arch, cpus, hostname, platform, totalmem } from 'node:os';
import { loadNative } from '@sovereign/trueno';
import type { CudaDriver } from '../driver/cuda-driver.js';
import { loadCudaDriver } from '../driver/load-cuda-driver.js';
import { loadNativeCudaAddon } from '../driver/native-binding.js';
import type { CaseScale } from './conformance-case.js';
import { loadConformanceTable } from './conformance-table.js';
import { type ConformanceReport, formatConformanceHeader, formatConformanceReport, formatConformanceRow, runKernelConformance } from './kernel-conformance.js';

/** gpu-check's exit codes. */
export const GPU_CHECK_EXIT = { ok: 0, failed: 1, usage: 2, noDevice: 3 } as const;

/** Parsed command line. */
export interface GpuCheckArgs {
  /** Write the JSON result here. */
  readonly json?: string;
  /** Only table entries whose name matches. */
  readonly only?: RegExp;
  /** Timing samples per case on the device (0: values only). */
  readonly samples: number;
  /** Run the emulator table (default true). */
  readonly emu: boolean;
  /** Run on the device when there is one (default true). */
  readonly device: boolean;
  /** Shapes on the device (default `device`). */
  readonly scale: CaseScale;
  /** CUDA device ordinal. */
  readonly ordinal: number;
}

/** Thrown for a bad command line; the message says which flag and what it accepts. */
export class GpuCheckUsageError extends Error {
  override name = 'GpuCheckUsageError';
}

/** One-line usage text. */
export const GPU_CHECK_USAGE =
  'gpu-check [--json PATH] [--only REGEX] [--samples N] [--scale emu|device] [--device N] [--no-emu] [--no-device]';

/** Parses gpu-check's flags. */
export function parseGpuCheckArgs(argv: readonly string[]): GpuCheckArgs {
  const a: { -readonly [K in keyof GpuCheckArgs]: GpuCheckArgs[K] } = { samples: 7, emu: true, device: true, scale: 'device', ordinal: 0 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new GpuCheckUsageError(`${flag} needs a value (usage: ${GPU_CHECK_USAGE})`);
      return v;
    };
    const int = (): number => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) throw new GpuCheckUsageError(`${flag} needs a non-negative integer, got '${argv[i]}'`);
      return v;
    };
    switch (flag) {
      case '--json':
        a.json = value();
        break;
      case '--only':
        a.only = new RegExp(value());
        break;
      case '--samples':
        a.samples = int();
        break;
      case '--device':
        a.ordinal = int();
        break;
      case '--scale': {
        const s = value();
        if (s !== 'emu' && s !== 'device') throw new GpuCheckUsageError(`--scale takes emu or device, got '${s}'`);
        a.scale = s;
        break;
      }
      case '--no-emu':
        a.emu = false;
        break;
      case '--no-device':
        a.device = false;
        break;
      default:
        throw new GpuCheckUsageError(`unknown argument '${flag}' (usage: ${GPU_CHECK_USAGE})`);
    }
  }
  return a;
}

/** Host facts for the report. */
function hostInfo(): Record<string, unknown> {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const cpu = loadNative();
  const gpu = loadNativeCudaAddon();
  return {
    hostname: hostname(),
    platform: `${platform()}-${arch()}`,
    node: process.version,
    glibc: report?.header?.glibcVersionRuntime ?? 'unknown',
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    truenoCpuAddon: cpu.addon ? `${cpu.path} (isa ${cpu.isa}, ${cpu.threads} threads)` : `unavailable: ${cpu.reason}`,
    truenoGpuAddon: gpu.addon ? 'loaded' : `unavailable: ${gpu.reason}`,
  };
}

function driverInfo(driver: CudaDriver): Record<string, unknown> {
  return {
    library: driver.libraryPath,
    version: driver.versionString,
    features: driver.features,
    devices: driver.devices().map((d) => ({
      ...d,
      memoryGiB: +(d.memoryBytes / 2 ** 30).toFixed(1),
      bandwidthGBs: Math.round(d.bandwidthBytesPerSec / 1e9),
      l2MiB: +(d.l2CacheBytes / 2 ** 20).toFixed(1),
    })),
  };
}

/** Runs gpu-check with `argv`; returns the exit code. `log` receives the readable output. */
export async function gpuCheck(argv: readonly string[], log: (line: string) => void = console.log): Promise<number> {
  let args: GpuCheckArgs;
  try {
    args = parseGpuCheckArgs(argv);
  } catch (e) {
    log(`gpu-check: ${(e as Error).message}`);
    return GPU_CHECK_EXIT.usage;
  }
  const started = new Date();
  const result: Record<string, unknown> = { tool: 'gpu-check', date: started.toISOString(), args: { ...args, only: args.only?.source }, host: hostInfo() };
  const save = (): void => {
    if (args.json) writeFileSync(args.json, `${JSON.stringify(result, null, 1)}\n`);
  };
  log(`gpu-check ${started.toISOString()}`);
  for (const [k, v] of Object.entries(result.host as Record<string, unknown>)) log(`  ${k}: ${String(v)}`);

  const table = await loadConformanceTable();
  let emuOk = true;
  if (args.emu) {
    const t0 = performance.now();
    const emu = runKernelConformance('emu', table, { only: args.only });
    result.emu = emu;
    emuOk = emu.ok;
    log('');
    log(formatConformanceReport(emu));
    log(`(emulator table: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    save();
  }

  if (!args.device) return emuOk ? GPU_CHECK_EXIT.ok : GPU_CHECK_EXIT.failed;
  const loaded = loadCudaDriver();
  log('');
  if (!loaded.driver) {
    result.driver = { reason: loaded.reason };
    const code = emuOk ? GPU_CHECK_EXIT.noDevice : GPU_CHECK_EXIT.failed;
    log(`gpu-check: ${loaded.reason}`);
    log(`gpu-check: no CUDA device, so only the emulator table ran (exit ${code}${emuOk ? '' : ': an emulator case failed'})`);
    save();
    return code;
  }
  const driver = loaded.driver;
  result.driver = driverInfo(driver);
  log(`CUDA driver ${driver.versionString} (${driver.libraryPath}); graphs: ${driver.features.graphs}, pinned host memory: ${driver.features.pinnedHost}`);
  for (const d of driver.devices()) {
    log(
      `  GPU ${d.ordinal}: ${d.name}, ${d.sm}, ${d.multiprocessors} SMs, ${(d.memoryBytes / 2 ** 30).toFixed(1)} GiB, ` +
        `~${Math.round(d.bandwidthBytesPerSec / 1e9)} GB/s peak, L2 ${(d.l2CacheBytes / 2 ** 20).toFixed(0)} MiB`,
    );
  }
  save();
  let cuda: ConformanceReport;
  const ctx = driver.createContext(args.ordinal);
  try {
    log('');
    log(`kernel conformance on ${ctx.device.name} (${ctx.device.sm}), ${args.scale} shapes; us = median per launch sequence (graph replay, else stream), roof = cost-model time / us`);
    log(formatConformanceHeader(args.samples > 0));
    cuda = runKernelConformance(ctx, table, { scale: args.scale, only: args.only, timing: { samples: args.samples }, onRow: (r) => log(formatConformanceRow(r)) });
    result.cuda = cuda;
  } finally {
    ctx.dispose();
    driver.dispose();
  }
  log(`${cuda.rows.length - cuda.failures}/${cuda.rows.length} device cases within bounds${cuda.failures ? `, ${cuda.failures} FAILED` : ''}`);
  result.seconds = (Date.now() - started.getTime()) / 1000;
  save();
  return emuOk && cuda.ok ? GPU_CHECK_EXIT.ok : GPU_CHECK_EXIT.failed;
}
