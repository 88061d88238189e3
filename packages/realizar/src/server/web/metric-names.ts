/**
 * Prometheus metric names the built-in web page reads from `GET /metrics`. The server's exposition
 * must use these names (sample lines `name{labels} value`; several label sets of one name are summed
 * by the page). A missing metric shows as a dash; a missing tok/s gauge is derived by the page from
 * the matching `_total` counter's increase between two polls.
 */
export const WEB_METRIC_NAMES = {
  requestsTotal: 'apr_requests_total',
  promptTokensTotal: 'apr_prompt_tokens_total',
  generatedTokensTotal: 'apr_generated_tokens_total',
  promptTokensPerSec: 'apr_prompt_tokens_per_second',
  decodeTokensPerSec: 'apr_decode_tokens_per_second',
  queueDepth: 'apr_queue_depth',
  activeSlots: 'apr_active_slots',
  slots: 'apr_slots',
  kvUsedTokens: 'apr_kv_used_tokens',
  kvCapacityTokens: 'apr_kv_capacity_tokens',
} as const;

export type WebMetricKey = keyof typeof WEB_METRIC_NAMES;
