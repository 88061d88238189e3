/**
 * Prometheus metric names the built-in web page reads from `GET /metrics`, as the server's
 * metrics.ts exports them (sample lines `name{labels} value`; label sets of one name are summed by
 * the page, e.g. apr_requests_total over endpoints and statuses). A missing metric shows as a dash;
 * a missing tok/s gauge is derived by the page from its `_total` counter's increase between polls.
 */
export const WEB_METRIC_NAMES = {
  requestsTotal: 'apr_requests_total',
  promptTokensTotal: 'apr_prompt_tokens_total',
  generatedTokensTotal: 'apr_generated_tokens_total',
  promptTokensPerSec: 'apr_prompt_tokens_per_second',
  decodeTokensPerSec: 'apr_decode_tokens_per_second',
  queueDepth: 'apr_queue_depth',
  activeSlots: 'apr_slots_active',
  slots: 'apr_slots_total',
  kvUsedTokens: 'apr_kv_used_tokens',
  kvCapacityTokens: 'apr_kv_capacity_tokens',
} as const;

export type WebMetricKey = keyof typeof WEB_METRIC_NAMES;
