/**
 * The kernel conformance table: every kernel of src/kernels, with its shapes at each scale, its
 * inputs, TS reference, NMSE bound (kernels/tolerances.ts) and cost model. Adding a kernel is one
 * more {@link ConformanceEntry} in one of the table modules below (or one more module here).
 *
 * The modules are imported one by one, and a module that fails to load (a kernel file throwing at
 * import) becomes one failing entry that says why: on a device machine the other kernels are
 * still checked and timed, and the broken one is named, instead of the whole check dying.
 */
import { type ConformanceEntry, ConformanceCaseError } from './conformance-case.js';

/** The table modules, in report order: GEMVs (f32, then Q8_1/dp4a), prefill GEMMs, row/element-wise ops, attention. */
const TABLE_MODULES: readonly [module: string, load: () => Promise<readonly ConformanceEntry[]>][] = [
  ['table-gemv', async () => (await import('./table-gemv.js')).GEMV_ENTRIES],
  ['table-gemv-dp4a', async () => (await import('./table-gemv-dp4a.js')).DP4A_ENTRIES],
  ['table-gemm', async () => (await import('./table-gemm.js')).GEMM_ENTRIES],
  ['table-ops', async () => (await import('./table-ops.js')).OPS_ENTRIES],
  ['table-attention', async () => (await import('./table-attention.js')).ATTENTION_ENTRIES],
];

/** An entry standing for a table module that did not load: one case that fails with the import error. */
export function unloadableEntry(module: string, error: unknown): ConformanceEntry {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    name: `${module} (not loaded)`,
    bound: 0,
    boundName: 'exact',
    cases: () => [
      {
        shape: '-',
        make: () => {
          throw new ConformanceCaseError(`device-check/${module}.ts failed to load, so its kernels are not checked: ${why}`);
        },
      },
    ],
  };
}

/** Every entry of the table (a module that fails to load contributes one failing entry instead). */
export async function loadConformanceTable(): Promise<ConformanceEntry[]> {
  const entries: ConformanceEntry[] = [];
  for (const [module, load] of TABLE_MODULES) {
    try {
      entries.push(...(await load()));
    } catch (e) {
      entries.push(unloadableEntry(module, e));
    }
  }
  return entries;
}
