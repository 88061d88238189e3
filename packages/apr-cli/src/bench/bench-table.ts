/**
 * Human output of `apr bench`: a llama-bench-style markdown table (one row per engine and test,
 * llama.cpp's rows carrying our ratio to them) followed by the roofline lines. `tools/bench-report.mjs`
 * renders BENCHMARKS.md from the JSON with the same functions' layout in mind.
 */
import type { BenchReport, ModelFacts } from './bench-result.js';
import { brickText } from './brick-report.js';
import { BUSY_CPUS } from './cpu-contention.js';
import type { MemoryReport } from './memory-load.js';

const MiB = 1024 * 1024;

/** `qwen2 494M Q8_0`, llama-bench's model column. */
export function modelLabel(f: ModelFacts): string {
  const p = f.params >= 1e9 ? `${(f.params / 1e9).toFixed(1)}B` : `${Math.round(f.params / 1e6)}M`;
  return `${f.arch} ${p} ${f.mainType.toUpperCase()}`;
}

/** `153.10 ± 0.50`. */
export function rateText(mean: number, sd: number): string {
  return `${mean.toFixed(2)} ± ${sd.toFixed(2)}`;
}

/** Renders rows as a markdown table; `right` marks right-aligned columns. */
export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const pad = (s: string, i: number) => (right[i] ? s.padStart(w[i]) : s.padEnd(w[i]));
  const line = (cells: readonly string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `| ${w.map((n, i) => (right[i] ? `${'-'.repeat(n - 1)}:` : '-'.repeat(n))).join(' | ')} |`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

/** The results table of one report. */
export function resultsTable(r: BenchReport): string {
  const model = modelLabel(r.modelFacts);
  const size = `${(r.modelFacts.sizeBytes / MiB).toFixed(2)} MiB`;
  const params = `${(r.modelFacts.params / 1e6).toFixed(2)} M`;
  const rows: string[][] = [];
  for (const res of r.results) {
    rows.push([model, size, params, `apr ${r.backend}`, String(r.backendThreads), res.test, rateText(res.tokensPerSec, res.stddev), `${(100 * res.cv).toFixed(1)}%`, '']);
    for (const l of res.llamaCppAll ?? []) {
      const cv = l.tokensPerSec > 0 ? `${((100 * l.stddev) / l.tokensPerSec).toFixed(1)}%` : '';
      rows.push([model, size, params, l.engine, String(r.threads), res.test, rateText(l.tokensPerSec, l.stddev), cv, `${l.ratio.toFixed(3)}×`]);
    }
  }
  const head = ['model', 'size', 'params', 'engine', 'threads', 'test', 't/s', 'CV', 'apr / engine'];
  return markdownTable(head, rows, [false, true, true, false, true, true, true, true, true]);
}

/** The roofline lines under the table. */
export function rooflineText(r: BenchReport): string {
  const f = r.roofline;
  const tg = r.results.find((x) => x.test.startsWith('tg'));
  const lines = [
    `roofline: ${(f.bytesPerToken / MiB).toFixed(1)} MiB of weights read per token; bandwidth ${f.bandwidthGBs.toFixed(1)} GB/s (${r.bandwidthMethod})`,
    `          decode ceiling ${f.ceilingTokensPerSec.toFixed(1)} tok/s` +
      (tg && f.fractionOfCeiling !== null ? `; ${tg.test} at ${(100 * f.fractionOfCeiling).toFixed(1)}% of it` : ''),
  ];
  for (const l of tg?.llamaCppAll ?? []) {
    lines.push(`          ${l.engine} ${tg!.test} at ${((100 * l.tokensPerSec) / f.ceilingTokensPerSec).toFixed(1)}% of it`);
  }
  return lines.join('\n');
}

/** The memory/load table (`--mem`): load ms and peak RSS per engine, then apr ÷ llama.cpp. */
export function memoryText(m: MemoryReport): string {
  const rows = [m.apr, ...(m.llamaCpp ? [m.llamaCpp] : [])].map((s) => [
    s.engine,
    s.loadMs.toFixed(1),
    s.peakRssMiB.toFixed(1),
    s.baseRssMiB.toFixed(1),
    s.decodeMs.toFixed(1),
  ]);
  const table = markdownTable(['engine', 'load ms', 'peak RSS MiB', 'RSS before load MiB', 'first decode ms'], rows, [false, true, true, true, true]);
  const head = `memory/load (child process per engine: load + context of ${m.contextLength}, batch ${m.batch}, one decode):`;
  const tail =
    m.llamaCpp && m.rssRatio !== undefined && m.loadRatio !== undefined
      ? `apr / llama.cpp: load ${m.loadRatio.toFixed(3)}×, peak RSS ${m.rssRatio.toFixed(3)}× (< 1: apr is faster / smaller)`
      : `llama.cpp: ${m.llamaCppReason ?? 'not measured'}`;
  return `${head}\n${table}\n${tail}`;
}

/** Everything `apr bench` prints on stdout without --json. */
export function humanReport(r: BenchReport): string {
  const notes = [`backend: ${r.backend} (${r.backendReason})`, ...(r.llamaCppNotes ?? [])];
  if (r.otherCpuLoad !== undefined && r.otherCpuLoad > BUSY_CPUS) {
    notes.push(`warning: other processes kept ${r.otherCpuLoad.toFixed(2)} CPUs busy during the run: the rates are skewed`);
  }
  const brick = r.brick ? `\n${brickText(r.brick)}\n` : '';
  const memory = r.memory ? `\n${memoryText(r.memory)}\n` : '';
  return `${resultsTable(r)}\n\n${rooflineText(r)}\n${memory}${brick}\n${notes.join('\n')}\n`;
}
