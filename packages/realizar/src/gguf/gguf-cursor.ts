/**
 * Bounds-checked little-endian reading of a byte buffer. Every read first checks that the bytes
 * exist and throws {@link GGUFTruncatedError} naming the field otherwise, and every count is
 * bounded by the bytes left BEFORE anything is allocated, so hostile input can never cause a crash,
 * a hang or a huge allocation.
 *
 * The cursor may hold only a prefix (a window) of its input: `end` is the input's size, on which
 * every check and message is based, and `avail` is how many of its first bytes are in `bytes`. A
 * read past `avail` but before `end` asks the `grow` callback for a longer prefix, so the header
 * of a multi-GB file is parsed from the few MB it occupies with exactly the checks, messages and
 * results of a parse of the whole file.
 */
import { GGUFFormatError, GGUFTruncatedError } from './gguf-errors.js';

// Strict decoder: invalid UTF-8 becomes a typed error naming the key instead of silently turning
// into U+FFFD, which would make a re-written file differ from the original.
// ignoreBOM: keep a leading U+FEFF (Llama's vocabulary has a token that is exactly the BOM).
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Short pure-ASCII strings (most keys and vocabulary pieces) decode faster through
// String.fromCharCode than through a TextDecoder call; both give the same result for ASCII.
const ASCII_FAST_MAX = 32;

/**
 * Returns a prefix of the input of at least `minEnd` bytes (`minEnd` never exceeds the input size);
 * it may throw to abandon the parse (the async header reader does, to read more and start over).
 */
export type GrowWindow = (minEnd: number) => Uint8Array;

/** A prefix window of a larger input (see the module comment). */
export interface CursorWindow {
  /** Size of the whole input; `bytes` holds its first `bytes.byteLength` bytes. */
  readonly end: number;
  readonly grow: GrowWindow;
}

/** Reads GGUF primitives from `bytes`, advancing `pos`. */
export class ByteCursor {
  pos = 0;
  /** Size of the input: bounds checks and messages refer to it. */
  readonly end: number;
  /** Bytes `[0, avail)` of the input, in `bytes`. Equals `end` unless a window was given. */
  avail: number;
  private view: DataView;
  private readonly grow: GrowWindow | undefined;

  constructor(
    public bytes: Uint8Array,
    readonly source: string | undefined,
    window?: CursorWindow,
  ) {
    this.avail = bytes.byteLength;
    this.end = window ? window.end : bytes.byteLength;
    this.grow = window?.grow;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes left after `pos`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /**
   * Throws unless `n` more bytes exist; `what` describes the field for the message. Afterwards
   * `bytes[pos .. pos + n)` are loaded.
   */
  need(n: number, field: string, what = `${n} bytes`): void {
    if (n > this.avail - this.pos) this.fill(n, field, what);
  }

  private fill(n: number, field: string, what: string): void {
    if (n > this.end - this.pos) {
      throw new GGUFTruncatedError(
        `${field}: needs ${what} at byte ${this.pos} but the input ends at byte ${this.end} (truncated?)`,
        { field, offset: this.pos, expected: `${n} bytes`, actual: `${this.end - this.pos} bytes`, source: this.source },
      );
    }
    this.load(this.pos + n);
  }

  /** Makes bytes `[0, upTo)` available (`upTo <= end`). */
  private load(upTo: number): void {
    if (upTo <= this.avail) return;
    if (!this.grow) throw new Error(`internal: ByteCursor has ${this.avail} of ${this.end} bytes and no window to grow`);
    const b = this.grow(upTo);
    if (b.byteLength < upTo || b.byteLength > this.end) {
      throw new Error(`internal: window grew to ${b.byteLength} bytes, expected ${upTo}..${this.end}`);
    }
    this.bytes = b;
    this.avail = b.byteLength;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }

  i8(field: string): number {
    this.need(1, field);
    return this.view.getInt8(this.pos++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  i16(field: string): number {
    this.need(2, field);
    const v = this.view.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(field: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f32(field: string): number {
    this.need(4, field);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(field: string): number {
    this.need(8, field);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  i64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /**
   * Reads a u64 that must fit in a JS number (< 2^53) without BigInt: `hi * 2^32 + lo` is exact
   * while hi < 2^21. Larger values return `undefined` so the caller can report them as absurd.
   */
  u64Safe(field: string): number | undefined {
    this.need(8, field);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi < 0x200000 ? hi * 0x1_0000_0000 + lo : undefined;
  }

  /**
   * Reads a u64 element count and checks that `count` items of at least `minBytes` bytes each fit
   * in the bytes left, so a corrupt count can never trigger a large allocation or a long loop.
   */
  count(field: string, minBytes: number): number {
    const at = this.pos;
    this.need(8, field);
    const exact = this.view.getBigUint64(at, true);
    const n = this.u64Safe(field);
    const left = this.end - this.pos;
    if (n === undefined || n * minBytes > left) {
      const needed = exact * BigInt(minBytes);
      throw new GGUFTruncatedError(
        `${field}: count ${exact} at byte ${at} needs at least ${needed} bytes but only ${left} bytes remain ` +
          `(truncated file or corrupt count)`,
        { field, offset: at, expected: `<= ${minBytes > 0 ? Math.floor(left / minBytes) : left}`, actual: `${exact}`, source: this.source },
      );
    }
    return n;
  }

  /** Returns a view of the next `n` bytes (no copy) and advances past them. */
  take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /**
   * Reads a GGUF string (u64 length + UTF-8 bytes); invalid UTF-8 is a {@link GGUFFormatError}.
   * For array items pass `index`: the field name `field[index]` is then built only on error,
   * which keeps 150k-entry vocabulary arrays fast.
   */
  string(fieldName: string, index = -1): string {
    const at = this.pos;
    if (at + 8 > this.avail) this.need(8, index < 0 ? fieldName : `${fieldName}[${index}]`, 'an 8-byte string length');
    const lo = this.view.getUint32(at, true);
    const hi = this.view.getUint32(at + 4, true);
    if (hi !== 0 || lo > this.end - at - 8) return this.badString(index < 0 ? fieldName : `${fieldName}[${index}]`);
    const start = at + 8;
    const stop = start + lo;
    if (stop > this.avail) this.load(stop);
    this.pos = stop;
    const b = this.bytes;
    if (lo <= ASCII_FAST_MAX) {
      let ascii = true;
      for (let i = start; i < stop; i++) {
        if (b[i] > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, b.subarray(start, stop) as unknown as number[]);
    }
    try {
      return UTF8.decode(b.subarray(start, stop));
    } catch {
      const field = index < 0 ? fieldName : `${fieldName}[${index}]`;
      throw new GGUFFormatError(`${field}: string of ${lo} bytes at byte ${start} is not valid UTF-8`, {
        field,
        offset: start,
        expected: 'valid UTF-8',
        actual: 'invalid UTF-8 bytes',
        source: this.source,
      });
    }
  }

  private badString(field: string): never {
    const at = this.pos;
    const left = this.end - at - 8;
    const len = this.view.getBigUint64(at, true);
    throw new GGUFTruncatedError(
      `${field}: string length ${len} at byte ${at} exceeds the ${left} bytes left in the input (truncated?)`,
      { field, offset: at, expected: `<= ${left}`, actual: `${len}`, source: this.source },
    );
  }
}
