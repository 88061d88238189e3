/**
 * Entry point of the GPU kit's `gpu-check.mjs` bundle (tools/gpu-kit.mjs): runs {@link gpuCheck}
 * with the process arguments and exits with its code (0 ok, 1 failures, 2 usage, 3 no device).
 */
import { GPU_CHECK_EXIT, gpuCheck } from './gpu-check.js';

try {
  process.exitCode = gpuCheck(process.argv.slice(2));
} catch (e) {
  console.error(`gpu-check: internal error: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = GPU_CHECK_EXIT.usage;
}
