/**
 * The quantization a model is listed under (`ollama show`, /api/tags, /v1/models): the tensor
 * type holding most of the matrices' elements, upper-case as Ollama prints it (`Q4_0`, `F16`).
 */
import { dtypeInfo, type GGMLType } from '@sovereign/trueno';
import type { GGUFFile } from '../gguf/index.js';

/** The dominant weight type of `file` (by elements of tensors with two or more dimensions). */
export function dominantType(file: GGUFFile): string {
  const by = new Map<GGMLType, number>();
  for (const t of file.tensors) if (t.dims.length >= 2) by.set(t.type, (by.get(t.type) ?? 0) + t.nElements);
  let best: GGMLType | undefined;
  for (const [k, v] of by) if (best === undefined || v > (by.get(best) ?? 0)) best = k;
  return best === undefined ? 'unknown' : dtypeInfo(best).name.toUpperCase();
}
