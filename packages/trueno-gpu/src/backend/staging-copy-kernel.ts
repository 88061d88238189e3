/**
 * `copy_b32`: `dst[i] = src[i]` for i < n 32-bit words. A captured decode step gets its per-token
 * inputs from ONE host→device copy into the step's staging area (step-staging.ts); the token's
 * embedding rows then have to reach the residual stream buffer, which lives elsewhere, and a
 * synchronous cuMemcpyDtoD cannot be captured — so the move is a kernel, recorded like every
 * other launch. Bit moves only (no float arithmetic): NaN payloads and -0 survive.
 *
 * Parameters: `src`, `dst` (u64, non-overlapping), `n` (u32). Grid (ceil(n / 256), 1, 1).
 */
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import { ELEMENTWISE_THREADS, addLaunch } from '../kernels/add.js';
import type { LaunchGeometry } from '../kernels/ops-common.js';

/** Builds `copy_b32`. */
export function buildCopyB32(opts: { sm: SmTarget }): Kernel {
  const k = new KernelBuilder('copy_b32');
  k.maxThreads = ELEMENTWISE_THREADS;
  k.doc = `dst[i] = src[i], i < n (32-bit words); target ${opts.sm}`;
  const ps = k.param('src', 'u64');
  const pd = k.param('dst', 'u64');
  const pn = k.param('n', 'u32');
  const src = k.ldGlobalPtr(ps);
  const dst = k.ldGlobalPtr(pd);
  const n = k.ldParam(pn);
  const i = k.globalIndex();
  k.ifThen(k.setp('lt', 'u32', i, n), () => {
    const off = k.mulWide('u32', i, 4);
    k.st('global', 'b32', k.add('u64', dst, off), 0, k.ld('global', 'b32', k.add('u64', src, off), 0, { nc: true }));
  });
  k.ret();
  return k.build();
}

/** Launch geometry over n words. */
export function copyB32Launch(n: number): LaunchGeometry {
  return addLaunch(n);
}
