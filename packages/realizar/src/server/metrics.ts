/**
 * Server-side counters and histograms, rendered with the engine's live stats in the Prometheus
 * text exposition format (version 0.0.4) at GET /metrics.
 */
import type { ServeStats } from './engine-api.js';

/** Cumulative histogram with fixed upper bounds (seconds). */
class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private n = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.n++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]) this.counts[i]++;
  }
  render(name: string, help: string): string {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    this.bounds.forEach((b, i) => lines.push(`${name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${name}_bucket{le="+Inf"} ${this.n}`, `${name}_sum ${this.sum}`, `${name}_count ${this.n}`);
    return lines.join('\n');
  }
}

const LATENCY_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TTFT_BOUNDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Counters the HTTP layer keeps. */
export class ServerMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Histogram(LATENCY_BOUNDS);
  private readonly ttft = new Histogram(TTFT_BOUNDS);
  /** Generation requests between admission and their last byte (or cancellation). */
  inFlight = 0;
  cancelledTotal = 0;

  /** Counts one answered request. */
  countRequest(endpoint: string, status: number): void {
    const k = `${endpoint}\u0000${status}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
  }

  observeLatency(seconds: number): void {
    this.latency.observe(seconds);
  }

  observeTtft(seconds: number): void {
    this.ttft.observe(seconds);
  }

  /** The exposition text; `stats` is null while the model loads. */
  render(stats: ServeStats | null): string {
    const out: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${Number.isFinite(value) ? value : 0}`);
    };
    out.push('# HELP apr_requests_total HTTP requests answered, by endpoint and status.', '# TYPE apr_requests_total counter');
    for (const [k, v] of [...this.requests].sort()) {
      const [endpoint, status] = k.split('\u0000');
      out.push(`apr_requests_total{endpoint="${endpoint}",status="${status}"} ${v}`);
    }
    metric('apr_requests_in_flight', 'gauge', 'Generation requests being answered.', this.inFlight);
    metric('apr_requests_cancelled_total', 'counter', 'Generation requests cancelled by a client disconnect.', this.cancelledTotal);
    metric('apr_model_loaded', 'gauge', '1 once the model is loaded.', stats ? 1 : 0);
    if (stats) {
      metric('apr_prompt_tokens_total', 'counter', 'Prompt tokens processed.', stats.promptTokensTotal);
      metric('apr_generated_tokens_total', 'counter', 'Tokens generated.', stats.generatedTokensTotal);
      metric('apr_cached_prompt_tokens_total', 'counter', 'Prompt tokens served from the prefix cache.', stats.cachedPromptTokensTotal);
      metric('apr_engine_requests_total', 'counter', 'Requests the engine ran.', stats.requestsTotal);
      metric('apr_prompt_tokens_per_second', 'gauge', 'Recent prompt evaluation throughput.', stats.promptTokensPerSec);
      metric('apr_decode_tokens_per_second', 'gauge', 'Recent decode throughput.', stats.decodeTokensPerSec);
      metric('apr_queue_depth', 'gauge', 'Requests waiting for a slot.', stats.queued);
      metric('apr_queue_capacity', 'gauge', 'Most requests that may wait.', stats.maxQueue);
      metric('apr_slots_active', 'gauge', 'Slots generating.', stats.activeSlots);
      metric('apr_slots_total', 'gauge', 'Slots (parallel sequences).', stats.slots);
      metric('apr_kv_used_tokens', 'gauge', 'KV-cache positions in use over all slots.', stats.kvUsed);
      metric('apr_kv_capacity_tokens', 'gauge', 'KV-cache positions over all slots.', stats.kvCapacity);
    }
    out.push(this.latency.render('apr_request_duration_seconds', 'Generation request latency, from arrival to the last token.'));
    out.push(this.ttft.render('apr_time_to_first_token_seconds', 'Time from arrival to the first generated token.'));
    return `${out.join('\n')}\n`;
  }
}
