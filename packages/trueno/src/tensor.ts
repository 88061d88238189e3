import { type GGMLType, bytesFor, dtypeInfo } from './dtype.js';

/** Thrown when a view does not fit its backing bytes or its shape is not valid for the type. */
export class TensorShapeError extends Error {
  override name = 'TensorShapeError';
}

/**
 * A typed view of a tensor over one backing byte buffer, with ggml's dimension order:
 * `shape[0]` is the contiguous (row) dimension, e.g. a weight `(nOut, nIn)` has shape `[nIn, nOut]`.
 * Views never copy: {@link Tensor.row} and {@link Tensor.rows} return views into the same buffer,
 * so slicing a multi-gigabyte weight costs nothing.
 */
export class Tensor {
  /** Bytes of one row (`shape[0]` values). */
  readonly rowBytes: number;
  /** Number of rows (product of `shape[1..]`). */
  readonly nRows: number;

  private constructor(
    readonly name: string,
    readonly type: GGMLType,
    readonly shape: readonly number[],
    readonly data: Uint8Array,
  ) {
    this.rowBytes = bytesFor(type, shape[0] ?? 1);
    this.nRows = shape.slice(1).reduce((a, b) => a * b, 1);
  }

  /**
   * Wraps `data` (exactly the tensor's bytes; a view of a larger buffer is fine) as a tensor.
   * Throws {@link TensorShapeError} when the row length is not a whole number of blocks or the byte
   * length disagrees with the shape.
   */
  static view(name: string, type: GGMLType, shape: readonly number[], data: Uint8Array): Tensor {
    const d = dtypeInfo(type);
    if (shape.length === 0 || shape.length > 4) {
      throw new TensorShapeError(`tensor '${name}': expected 1..4 dimensions, got ${shape.length}`);
    }
    for (const [i, n] of shape.entries()) {
      if (!Number.isSafeInteger(n) || n <= 0) {
        throw new TensorShapeError(`tensor '${name}': dimension ${i} must be a positive integer, got ${n}`);
      }
    }
    if (shape[0] % d.blockSize !== 0) {
      throw new TensorShapeError(
        `tensor '${name}': ${d.name} rows hold whole blocks of ${d.blockSize} values, but shape[0] is ${shape[0]}`,
      );
    }
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = bytesFor(type, n);
    if (data.byteLength !== bytes) {
      throw new TensorShapeError(
        `tensor '${name}': ${d.name} shape [${shape.join(', ')}] needs ${bytes} bytes, view has ${data.byteLength}`,
      );
    }
    return new Tensor(name, type, [...shape], data);
  }

  /** Total number of values. */
  get nElements(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** The bytes of row `i` (a view, no copy). */
  row(i: number): Uint8Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.nRows) {
      throw new RangeError(`tensor '${this.name}': row ${i} out of range 0..${this.nRows - 1}`);
    }
    return this.data.subarray(i * this.rowBytes, (i + 1) * this.rowBytes);
  }

  /** Rows `start .. start+count-1` as a tensor view of shape `[shape[0], count]` (no copy). */
  rows(start: number, count: number): Tensor {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count <= 0 || start + count > this.nRows) {
      throw new RangeError(`tensor '${this.name}': rows ${start}..${start + count - 1} out of range 0..${this.nRows - 1}`);
    }
    const bytes = this.data.subarray(start * this.rowBytes, (start + count) * this.rowBytes);
    return new Tensor(`${this.name}[${start}:${start + count}]`, this.type, [this.shape[0], count], bytes);
  }

  /**
   * The same bytes seen with another shape of equal element count (ggml's `reshape`); the row
   * length must stay a whole number of blocks.
   */
  reshape(shape: readonly number[]): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== this.nElements) {
      throw new TensorShapeError(`tensor '${this.name}': reshape to [${shape.join(', ')}] has ${n} values, tensor has ${this.nElements}`);
    }
    return Tensor.view(this.name, this.type, shape, this.data);
  }

  /**
   * A Float32Array over the data without copying, for F32 tensors whose bytes are 4-byte aligned
   * (GGUF aligns tensor data to 32 bytes, so file-backed F32 tensors always are).
   */
  f32(): Float32Array {
    if (this.type !== 0) throw new TensorShapeError(`tensor '${this.name}': f32() needs an f32 tensor, got ${dtypeInfo(this.type).name}`);
    if (this.data.byteOffset % 4 !== 0) {
      throw new TensorShapeError(`tensor '${this.name}': f32 data at byte offset ${this.data.byteOffset} is not 4-byte aligned`);
    }
    return new Float32Array(this.data.buffer, this.data.byteOffset, this.data.byteLength / 4);
  }
}
