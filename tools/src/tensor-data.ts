/**
 * Produces one tensor's bytes in its target type: random f32 values, generated and quantized a
 * chunk of whole rows at a time, so that besides the output buffer only ~4 MB of f32 scratch is
 * alive (a 1.5B embedding is 0.9 GB in F32 but 0.25 GB in Q8_0).
 */
import { GGMLType, bytesFor, dtypeInfo, quantize } from '@sovereign/trueno';
import { TensorShapeError } from './errors.js';
import { WeightStream } from './random-weights.js';
import { type TensorPlan, elementCount } from './tensor-plan.js';

// Values per quantization chunk (rounded down to whole rows); 1 Mi values = 4 MB of f32.
const CHUNK_VALUES = 1 << 20;

/** The bytes of `plan` in `type`, from the (seed, name) stream. */
export function tensorBytes(plan: TensorPlan, type: GGMLType, seed: number): Uint8Array {
  const n = elementCount(plan.dims);
  const total = bytesFor(type, n);
  const rowLen = plan.dims[0];
  if (Number.isNaN(total) || rowLen % dtypeInfo(type).blockSize !== 0) {
    throw new TensorShapeError(
      `${plan.name}: row length ${rowLen} is not a multiple of ${dtypeInfo(type).name}'s block size ${dtypeInfo(type).blockSize}`,
    );
  }
  const stream = new WeightStream(seed, plan.name, plan.init);
  if (type === GGMLType.F32) {
    // Generate straight into the output: no scratch, no copy.
    const values = new Float32Array(n);
    stream.fill(values);
    return new Uint8Array(values.buffer);
  }
  const out = new Uint8Array(total);
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_VALUES / rowLen));
  const nRows = n / rowLen;
  const rowBytes = total / nRows;
  const scratch = new Float32Array(rowsPerChunk * rowLen);
  for (let r = 0; r < nRows; r += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, nRows - r);
    const chunk = rows === rowsPerChunk ? scratch : scratch.subarray(0, rows * rowLen);
    stream.fill(chunk);
    // Blocks never straddle rows (rowLen is a multiple of the block size), so quantizing several
    // rows at once gives the same bytes as quantizing them one by one, as ggml does.
    out.set(quantize(type, chunk), r * rowBytes);
  }
  return out;
}
