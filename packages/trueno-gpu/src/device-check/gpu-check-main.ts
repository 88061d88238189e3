/**
 * Entry point of the GPU kit's `gpu-check.mjs` bundle (tools/gpu-kit.mjs): runs {@link gpuCheck}
 * with the process arguments and exits with its code (0 ok, 1 failures, 2 usage, 3 no device).
 */
import { GPU_CHECK_EXIT, gpuCheck } from './gpu-check.js';

gpuCheck(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`gpu-check: internal error: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = GPU_CHECK_EXIT.usage;
  },
);
