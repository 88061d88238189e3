/**
 * Incremental text/event-stream parser (WHATWG rules): lines end in CRLF, LF or CR; a blank line
 * dispatches the event; lines starting with a colon are comments; one space after `data:` is
 * dropped. Chunk boundaries may fall anywhere, even inside a CRLF.
 */

/** One dispatched event. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/** Feeds decoded text in; calls `onEvent` for every complete event. */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private eventName = '';

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  push(chunk: string): void {
    this.buf += chunk;
    for (;;) {
      const i = this.buf.search(/[\r\n]/);
      if (i < 0) return;
      // A CR that ends the buffer may be the first half of a CRLF still in flight.
      if (this.buf[i] === '\r' && i === this.buf.length - 1) return;
      const skip = this.buf[i] === '\r' && this.buf[i + 1] === '\n' ? 2 : 1;
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + skip);
      this.line(line);
    }
  }

  /** Flushes a last event whose blank line never came. */
  end(): void {
    if (this.buf !== '') this.line(this.buf.replace(/\r$/, ''));
    this.buf = '';
    this.line('');
  }

  private line(l: string): void {
    if (l === '') {
      if (this.data.length > 0) this.onEvent({ event: this.eventName || 'message', data: this.data.join('\n') });
      this.data = [];
      this.eventName = '';
      return;
    }
    if (l.startsWith(':')) return;
    const c = l.indexOf(':');
    const field = c < 0 ? l : l.slice(0, c);
    let value = c < 0 ? '' : l.slice(c + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventName = value;
  }
}
