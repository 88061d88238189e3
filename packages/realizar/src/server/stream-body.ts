/**
 * A streamed HTTP body fed by an async producer. When the client goes away (the runtime cancels
 * the body stream) the request's AbortController fires, which cancels the engine request.
 */

const enc = new TextEncoder();

/** A request-scoped abort that fires on client disconnect (the request's own signal) or by hand. */
export function requestAbort(req: Request): AbortController {
  const ac = new AbortController();
  const s = req.signal;
  if (s.aborted) ac.abort();
  else s.addEventListener('abort', () => ac.abort(), { once: true });
  return ac;
}

/**
 * A Response whose body is what `produce` writes. `produce` runs at once; its errors end the
 * stream (they must already have been written in the protocol's error shape by then).
 */
export function streamResponse(
  contentType: string,
  ac: AbortController,
  produce: (write: (s: string) => void) => Promise<void>,
  headers: Record<string, string> = {},
): Response {
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(ctrl) {
      const write = (s: string): void => {
        if (!closed && !ac.signal.aborted) ctrl.enqueue(enc.encode(s));
      };
      void produce(write)
        .catch(() => undefined)
        .finally(() => {
          if (!closed) {
            closed = true;
            try {
              ctrl.close();
            } catch {
              // already cancelled
            }
          }
        });
    },
    cancel() {
      closed = true;
      ac.abort();
    },
  });
  return new Response(body, {
    status: 200,
    headers: { 'Content-Type': contentType, 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no', ...headers },
  });
}
