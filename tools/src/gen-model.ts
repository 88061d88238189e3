/**
 * Entry point of `gen-model` (built to tools/dist/gen-model.js): runs the CLI of
 * `gen-model-cli.ts` with the process arguments and sets the exit code.
 */
import { main } from './gen-model-cli.js';

process.exitCode = await main(process.argv.slice(2));
