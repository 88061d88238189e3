/**
 * A byte-level GGUF builder for tests: writes exactly the fields it is told to, so malformed files
 * (bad magic, absurd counts, wrong types, truncation ...) can be crafted field by field.
 */
export class RawGGUF {
  private readonly out: number[] = [];

  /** Current length, i.e. the byte offset of the next field. */
  get length(): number {
    return this.out.length;
  }

  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.out.push(b[i] & 0xff);
    return this;
  }

  u8(v: number): this {
    return this.bytes([v]);
  }

  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return this.bytes(b);
  }

  f32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.bytes(b);
  }

  u64(v: number | bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
    return this.bytes(b);
  }

  /** A GGUF string: u64 length + bytes (a string is UTF-8 encoded; bytes are written as given). */
  str(s: string | Uint8Array, declaredLength?: number | bigint): this {
    const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
    return this.u64(declaredLength ?? b.length).bytes(b);
  }

  /** Magic, version, tensor_count, kv_count. */
  header(tensors: number | bigint, kvs: number | bigint, version = 3, magic = 'GGUF'): this {
    return this.bytes([...magic].map((c) => c.charCodeAt(0))).u32(version).u64(tensors).u64(kvs);
  }

  kvU32(key: string, v: number): this {
    return this.str(key).u32(4).u32(v);
  }

  kvStr(key: string, v: string | Uint8Array): this {
    return this.str(key).u32(8).str(v);
  }

  /** A tensor info: name, n_dims, dims, type, offset. */
  tensor(name: string | Uint8Array, dims: ReadonlyArray<number | bigint>, type: number, offset: number | bigint, nDims = dims.length): this {
    this.str(name).u32(nDims);
    for (const d of dims) this.u64(d);
    return this.u32(type).u64(offset);
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  pad(alignment: number): this {
    while (this.out.length % alignment !== 0) this.out.push(0);
    return this;
  }

  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.out.push(0);
    return this;
  }

  build(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}
