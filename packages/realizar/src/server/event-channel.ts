/**
 * A single-consumer async queue: a producer pushes values and ends (or fails) the channel, the
 * consumer iterates. Used to hand engine events from a running job to the request that owns them.
 */

/** Push-based async iterable with one consumer. */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  /** Queues a value (ignored after {@link end}). */
  push(v: T): void {
    if (this.ended) return;
    this.items.push(v);
    this.notify();
  }

  /** Ends the stream after the queued values; with `err`, the consumer's next read throws it. */
  end(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = err;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift() as T;
        continue;
      }
      if (this.ended) {
        if (this.failure) throw this.failure;
        return;
      }
      await new Promise<void>((r) => (this.wake = r));
    }
  }
}
