/**
 * The kernel conformance suite as library code: runs every case of the table
 * (conformance-table.ts) on the emulator or on a real {@link CudaContext}, compares each output
 * with its TS reference under the entry's NMSE bound, and on a GPU reports the median time per
 * launch sequence, the achieved bandwidth and the share of the cost model's roofline reached.
 * The vitest test runs it on the emulator (and on CUDA where a device exists); the GPU kit's
 * `gpu-check` program runs it on the device machine.
 */
import type { CudaContext } from '../driver/cuda-context.js';
import { H100_BANDWIDTH_GBS, predictedMicros } from '../kernels/kernel-model.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import { type CaseContext, type CaseScale, type ConformanceCase, type ConformanceEntry } from './conformance-case.js';
import { CudaCaseRunner, type CudaRunOptions, smTargetFor } from './run-cuda.js';
import { runCaseEmulated } from './run-emulated.js';

/** One checked (entry, shape). */
export interface ConformanceRow {
  readonly name: string;
  readonly shape: string;
  /** NMSE of all outputs together against the reference (NaN when an output held NaN). */
  readonly nmse: number;
  readonly bound: number;
  readonly boundName: string;
  /** Elements of u32 outputs that differ (argmax indices). */
  readonly mismatches: number;
  readonly ok: boolean;
  /** Why the case could not run (JIT, launch or emulator fault), when it could not. */
  readonly error?: string;
  /** Median µs per launch sequence (graph replay where available; see run-cuda.ts). */
  readonly us?: number;
  readonly usStream?: number;
  readonly usGraph?: number;
  /** Cost-model bytes / measured time, GB/s. */
  readonly gbps?: number;
  /** The cost model's roofline time at the device's bandwidth, µs. */
  readonly predictedUs?: number;
  /** predictedUs / us, percent: how close the kernel gets to its roof. */
  readonly roofPct?: number;
  /** Buffer instances rotated while timing (so weights come from DRAM, not L2). */
  readonly copies?: number;
  /** Emulated instructions (emulator runs). */
  readonly instructions?: number;
  /** Host wall time of the case: inputs, reference, run and check, ms. */
  readonly hostMs: number;
}

/** The suite's result. */
export interface ConformanceReport {
  readonly target: 'emu' | 'cuda';
  readonly scale: CaseScale;
  readonly sm: SmTarget;
  /** Device name (CUDA runs). */
  readonly device?: string;
  /** Bandwidth the predictions assume, GB/s. */
  readonly bandwidthGBs: number;
  readonly rows: readonly ConformanceRow[];
  readonly failures: number;
  readonly ok: boolean;
}

/** Options of {@link runKernelConformance}. */
export interface ConformanceOptions {
  /** Shapes to run: `emu` (small) or `device` (odd + model-sized). Default: emu for the emulator, device for CUDA. */
  readonly scale?: CaseScale;
  /** Only entries whose name matches. */
  readonly only?: RegExp;
  /** Called after each row (progress output). */
  readonly onRow?: (row: ConformanceRow) => void;
  /** CUDA timing options (samples 0 = values only). */
  readonly timing?: Omit<CudaRunOptions, 'sm'>;
}

/** NMSE over all outputs together, and the count of differing u32 elements. */
export function compareOutputs(c: ConformanceCase, outputs: readonly Uint8Array[]): { nmse: number; mismatches: number } {
  let e = 0;
  let s = 0;
  let mismatches = 0;
  c.outputs.forEach((o, i) => {
    const b = outputs[i];
    const got = o.type === 'f32' ? new Float32Array(b.buffer, b.byteOffset, o.ref.length) : new Uint32Array(b.buffer, b.byteOffset, o.ref.length);
    for (let j = 0; j < o.ref.length; j++) {
      const d = got[j] - o.ref[j];
      e += d * d;
      s += o.ref[j] * o.ref[j];
      if (o.type === 'u32' && got[j] !== o.ref[j]) mismatches++;
    }
  });
  return { nmse: s === 0 ? (e === 0 ? 0 : Number.isNaN(e) ? NaN : Infinity) : e / s, mismatches };
}

function caseContext(sm: SmTarget, memo: Map<string, Kernel>, entry: string, multiprocessors?: number): CaseContext {
  return {
    sm,
    multiprocessors,
    kernel(key, build) {
      const id = `${entry}/${key}`;
      let k = memo.get(id);
      if (!k) {
        k = build();
        memo.set(id, k);
      }
      return k;
    },
  };
}

/**
 * Runs `entries` (the table: `await loadConformanceTable()`) on `target`: `'emu'` (the PTX
 * emulator, sm_80 text) or a CUDA context (PTX for the device's sm). Never throws for a failing
 * case: its row says why.
 */
export function runKernelConformance(target: 'emu' | CudaContext, entries: readonly ConformanceEntry[], opts: ConformanceOptions = {}): ConformanceReport {
  const cuda = target === 'emu' ? undefined : target;
  const sm: SmTarget = cuda ? smTargetFor(cuda.device.computeCapability) : 'sm_80';
  const scale = opts.scale ?? (cuda ? 'device' : 'emu');
  const bandwidthGBs = cuda && cuda.device.bandwidthBytesPerSec > 0 ? cuda.device.bandwidthBytesPerSec / 1e9 : H100_BANDWIDTH_GBS;
  const runner = cuda ? new CudaCaseRunner(cuda, { sm, ...opts.timing }) : undefined;
  const memo = new Map<string, Kernel>();
  const rows: ConformanceRow[] = [];
  for (const entry of entries) {
    if (opts.only && !opts.only.test(entry.name)) continue;
    const ctx = caseContext(sm, memo, entry.name, cuda?.device.multiprocessors);
    for (const f of entry.cases(scale)) {
      const t0 = performance.now();
      const base = { name: entry.name, shape: f.shape, bound: entry.bound, boundName: entry.boundName };
      let row: ConformanceRow;
      try {
        const c = f.make(ctx);
        const bound = c.bound ?? entry.bound;
        base.bound = bound;
        if (runner) {
          const { outputs, timing } = runner.run(c);
          const cmp = compareOutputs(c, outputs);
          const predictedUs = c.predictMicros ? c.predictMicros(bandwidthGBs) : predictedMicros(c.cost, bandwidthGBs);
          row = {
            ...base,
            ...cmp,
            ok: cmp.nmse <= bound && cmp.mismatches === 0,
            ...(timing && {
              us: timing.us,
              usStream: timing.usStream,
              usGraph: timing.usGraph,
              gbps: c.cost.bytes / timing.us / 1e3,
              predictedUs,
              roofPct: (100 * predictedUs) / timing.us,
              copies: timing.copies,
            }),
            hostMs: performance.now() - t0,
          };
        } else {
          const r = runCaseEmulated(c);
          const cmp = compareOutputs(c, r.outputs);
          row = { ...base, ...cmp, ok: cmp.nmse <= bound && cmp.mismatches === 0, instructions: r.instructions, hostMs: performance.now() - t0 };
        }
      } catch (e) {
        const msg = (e as Error).message ?? String(e);
        row = { ...base, nmse: NaN, mismatches: 0, ok: false, error: msg.split('\n').slice(0, 6).join('\n'), hostMs: performance.now() - t0 };
      }
      rows.push(row);
      opts.onRow?.(row);
    }
  }
  runner?.dispose();
  const failures = rows.filter((r) => !r.ok).length;
  return { target: cuda ? 'cuda' : 'emu', scale, sm, device: cuda?.device.name, bandwidthGBs, rows, failures, ok: failures === 0 && rows.length > 0 };
}

const num = (v: number | undefined, digits: number): string => (v === undefined ? '-' : v.toFixed(digits));
const sci = (v: number): string => (Number.isNaN(v) ? 'NaN' : v === 0 ? '0' : v.toExponential(1));

/** One readable line per row (fixed-width columns), for logs. */
export function formatConformanceRow(r: ConformanceRow): string {
  const status = r.ok ? 'ok  ' : 'FAIL';
  const err = r.mismatches > 0 ? ` mismatches=${r.mismatches}` : '';
  const timing = r.us === undefined ? '' : `  ${num(r.us, 2).padStart(9)} us  ${num(r.usStream, 2).padStart(9)} us  ${num(r.gbps, 0).padStart(6)} GB/s  ${num(r.roofPct, 0).padStart(4)}%`;
  const line = `${status} ${r.name.padEnd(40)} ${r.shape.padEnd(34)} nmse ${sci(r.nmse).padStart(8)} <= ${sci(r.bound).padStart(7)}${timing}${err}`;
  return r.error ? `${line}\n     error: ${r.error.replace(/\n/g, '\n            ')}` : line;
}

/** Column titles matching {@link formatConformanceRow} (`timed`: with the device timing columns). */
export function formatConformanceHeader(timed: boolean): string {
  const base = `${'     '}${'kernel'.padEnd(41)}${'shape'.padEnd(35)}error vs bound`;
  return timed ? `${base.padEnd(105)}  ${'us'.padStart(9)}     ${'us stream'.padStart(9)}     ${'GB/s'.padStart(6)}       ${'roof'.padStart(4)}` : base;
}

/** The whole report as text: a header naming the target, the rows, a summary line. */
export function formatConformanceReport(rep: ConformanceReport): string {
  const head = `kernel conformance on ${rep.target === 'cuda' ? `${rep.device} (${rep.sm}, roof ${rep.bandwidthGBs.toFixed(0)} GB/s)` : 'the PTX emulator'}, ${rep.scale} shapes`;
  const tail = `${rep.rows.length - rep.failures}/${rep.rows.length} cases within bounds${rep.failures ? `, ${rep.failures} FAILED` : ''}`;
  return [head, formatConformanceHeader(rep.rows.some((r) => r.us !== undefined)), ...rep.rows.map(formatConformanceRow), tail].join('\n');
}
