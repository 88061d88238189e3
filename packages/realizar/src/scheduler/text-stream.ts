/**
 * A request's generated text as it streams: the tokenizer's stream decoder (never half a UTF-8
 * character) feeding the engine's StopStringMatcher (never text that may begin a stop string), with
 * the same end-of-stream drain as `engine/generate.ts`: what is held back is released at the end,
 * and may still complete a stop string then.
 */
import { StopStringMatcher } from '../engine/stop-matcher.js';
import type { StreamDecoder } from '../engine/types.js';

/** Text released by a token, and whether a stop string ended the stream. */
export interface StreamPiece {
  readonly text: string;
  readonly stopped: boolean;
}

/** Decoder + stop-string matcher of one request. */
export class TextStream {
  private readonly matcher: StopStringMatcher;

  constructor(
    private readonly decoder: StreamDecoder,
    stop: readonly string[] = [],
  ) {
    this.matcher = new StopStringMatcher(stop);
  }

  /** Adds a generated token's text; returns what is safe to emit now. */
  push(token: number): StreamPiece {
    const m = this.matcher.push(this.decoder.push(token));
    return { text: m.text, stopped: m.stopped };
  }

  /** Releases everything held back at the end of the stream (it may still complete a stop string). */
  drain(): StreamPiece {
    const m = this.matcher.push(this.decoder.flush());
    if (m.stopped) return { text: m.text, stopped: true };
    return { text: m.text + this.matcher.flush(), stopped: false };
  }
}
