/** The `apr bench-serve` result (its `--json` shape) and the human table. */
import type { LevelStats } from './serve-stats.js';

/** Everything one run measured. */
export interface BenchServeReport {
  readonly target: string;
  readonly model: string | null;
  readonly endpoint: 'chat' | 'completions';
  readonly maxTokens: number;
  readonly promptTokens: number;
  readonly threads: number | null;
  readonly apr: readonly LevelStats[];
  /** Aggregate decode tok/s at the highest concurrency over that at the lowest (apr). */
  readonly scaling: number | null;
  readonly llama?: { readonly description: string; readonly levels: readonly LevelStats[]; readonly scaling: number | null } | { readonly skipped: string };
}

/** Highest level's aggregate tok/s over the lowest level's; null with fewer than two levels. */
export function scaling(levels: readonly LevelStats[]): number | null {
  if (levels.length < 2) return null;
  const sorted = [...levels].sort((a, b) => a.concurrency - b.concurrency);
  const lo = sorted[0]!.aggregateTokPerSec;
  const hi = sorted[sorted.length - 1]!.aggregateTokPerSec;
  return lo > 0 && Number.isFinite(hi) ? hi / lo : null;
}

const f = (v: number, d = 1): string => (Number.isFinite(v) ? v.toFixed(d) : '-');

function rows(engine: string, levels: readonly LevelStats[]): string[][] {
  return levels.map((l) => [
    engine,
    String(l.concurrency),
    `${l.requests - l.failed}/${l.requests}`,
    String(l.completionTokens),
    f(l.aggregateTokPerSec),
    f(l.perStreamTokPerSec),
    f(l.ttftMs.p50, 0),
    f(l.ttftMs.p99, 0),
    f(l.itlMs.p50),
    f(l.itlMs.p99),
  ]);
}

/** A fixed-width table (markdown-compatible pipes) plus scaling lines and any errors. */
export function formatServeReport(r: BenchServeReport): string {
  const head = ['engine', 'streams', 'ok', 'tokens', 'agg tok/s', 'tok/s/stream', 'TTFT p50 ms', 'TTFT p99 ms', 'ITL p50 ms', 'ITL p99 ms'];
  const body = rows('apr serve', r.apr);
  if (r.llama && 'levels' in r.llama) body.push(...rows('llama.cpp', r.llama.levels));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const out = [
    `bench-serve: ${r.target}${r.model ? ` (${r.model})` : ''}, ${r.endpoint}, ~${r.promptTokens} prompt tokens, ${r.maxTokens} max tokens${r.threads ? `, ${r.threads} threads` : ''}`,
    line(head),
    `|${widths.map((w, i) => (i < 1 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...body.map(line),
  ];
  const hi = r.apr.length ? Math.max(...r.apr.map((l) => l.concurrency)) : 0;
  const lo = r.apr.length ? Math.min(...r.apr.map((l) => l.concurrency)) : 0;
  if (r.scaling !== null) out.push(`apr serve: aggregate decode tok/s at ${hi} streams / ${lo} stream(s) = ${r.scaling.toFixed(2)}x`);
  if (r.llama && 'levels' in r.llama) {
    out.push(`llama.cpp: ${r.llama.description}`);
    if (r.llama.scaling !== null) out.push(`llama.cpp: aggregate decode tok/s at ${hi} sequences / ${lo} = ${r.llama.scaling.toFixed(2)}x`);
  } else if (r.llama) out.push(`llama.cpp: skipped (${r.llama.skipped})`);
  for (const l of r.apr) for (const e of l.errors) out.push(`error at ${l.concurrency} streams: ${e}`);
  return `${out.join('\n')}\n`;
}
