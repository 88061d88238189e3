/**
 * HTTP errors in OpenAI's shape, `{"error":{"message","type","param","code"}}`, which OpenAI
 * clients turn into typed exceptions (BadRequestError, AuthenticationError, ...) and which the
 * Ollama client shows by its `error.message`.
 */
import { PromptTooLongError, QueueFullError } from './engine-api.js';

/** OpenAI error `type` values used here. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'unavailable_error';

/** An error answered with `status` and the OpenAI error body. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: 400 | 401 | 404 | 413 | 429 | 500 | 503,
    message: string,
    readonly type: ApiErrorType = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON body. */
  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Seconds a client is told to wait after a full queue. */
export const RETRY_AFTER_S = 1;

/** Maps engine and unexpected errors to an {@link ApiError}. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof QueueFullError || (e as Error)?.name === 'QueueFullError') {
    return new ApiError(429, (e as Error).message, 'rate_limit_error', null, 'queue_full', { 'Retry-After': String(RETRY_AFTER_S) });
  }
  if (e instanceof PromptTooLongError || (e as Error)?.name === 'PromptTooLongError') {
    return new ApiError(400, (e as Error).message, 'invalid_request_error', 'messages', 'context_length_exceeded');
  }
  if ((e as Error)?.name === 'ChatTemplateError') return new ApiError(400, (e as Error).message, 'invalid_request_error', 'messages', 'chat_template_error');
  if ((e as Error)?.name === 'SamplingParamsError') {
    const p = (e as { param?: string }).param ?? null;
    return new ApiError(400, (e as Error).message, 'invalid_request_error', p, 'invalid_value');
  }
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new ApiError(500, `internal error: ${msg}`, 'server_error', null, 'internal_error');
}
