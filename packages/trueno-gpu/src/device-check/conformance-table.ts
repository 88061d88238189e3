/**
 * The kernel conformance table: every kernel of src/kernels, with its shapes at each scale, its
 * inputs, TS reference, NMSE bound (kernels/tolerances.ts) and cost model. Adding a kernel is one
 * more {@link ConformanceEntry} in one of the lists below.
 */
import type { ConformanceEntry } from './conformance-case.js';
import { ATTENTION_ENTRIES } from './table-attention.js';
import { GEMV_ENTRIES } from './table-gemv.js';
import { OPS_ENTRIES } from './table-ops.js';

/** Every kernel, in the order of a decode step: GEMVs, row/element-wise ops, attention. */
export const KERNEL_CONFORMANCE_TABLE: readonly ConformanceEntry[] = [...GEMV_ENTRIES, ...OPS_ENTRIES, ...ATTENTION_ENTRIES];
