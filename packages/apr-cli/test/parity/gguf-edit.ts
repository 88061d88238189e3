/**
 * Test helpers that derive a still-valid GGUF from another one: metadata changed, or one tensor's
 * bytes changed. Used to plant known defects and prove that `apr check` notices them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type GGUFValue, openGGUF, writeGGUF } from '@sovereign/realizar';

/** Copies `src` to `dst` with metadata `changes` applied (undefined deletes a key). */
export function withMetadata(src: string, dst: string, changes: Record<string, GGUFValue | undefined>): void {
  const file = openGGUF(src);
  const metadata = new Map(file.metadata);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) metadata.delete(k);
    else metadata.set(k, v);
  }
  const tensors = file.tensors.map((t) => ({ name: t.name, type: t.type, dims: t.dims, data: t.data }));
  writeFileSync(dst, writeGGUF({ metadata, tensors }));
}

/**
 * Copies `src` to `dst` with the bytes of tensor `name` replaced by `edit(bytes)` (same length;
 * `bytes` is a private copy the callback may change in place and return).
 */
export function withTensorBytes(src: string, dst: string, name: string, edit: (bytes: Uint8Array, rowBytes: number) => Uint8Array): void {
  const file = openGGUF(src);
  const t = file.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`${src}: no tensor ${name}`);
  const bytes = new Uint8Array(readFileSync(src));
  const data = bytes.slice(t.fileOffset, t.fileOffset + t.byteSize);
  const out = edit(data, t.byteSize / (t.nElements / t.dims[0]));
  if (out.length !== t.byteSize) throw new Error(`edit of ${name} changed its size`);
  bytes.set(out, t.fileOffset);
  writeFileSync(dst, bytes);
}

/** Reverses the order of the rows (whole blocks, so valid for every type): same values, wrong places. */
export function reverseRows(bytes: Uint8Array, rowBytes: number): Uint8Array {
  const n = bytes.length / rowBytes;
  const out = new Uint8Array(bytes.length);
  for (let r = 0; r < n; r++) out.set(bytes.subarray(r * rowBytes, (r + 1) * rowBytes), (n - 1 - r) * rowBytes);
  return out;
}

/** Overwrites every byte with a seeded pseudo-random one (f32 data then holds huge values, Inf and NaN). */
export function scrambleBytes(bytes: Uint8Array): Uint8Array {
  let s = 0x9e3779b9;
  for (let i = 0; i < bytes.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    bytes[i] = s >>> 24;
  }
  return bytes;
}
