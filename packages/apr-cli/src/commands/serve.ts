import type { Command } from 'commander';
import { openServeEngine, startServer, type ServeEngine } from '@sovereign/realizar/server';
import { CliError } from '../cli-error.js';
import { resolveModelArg } from '../model-ref.js';

/** Options of `apr serve`. */
interface ServeOpts {
  host: string;
  port: string;
  parallel: string;
  ctx?: string;
  apiKey?: string;
  backend?: string;
  threads?: string;
  maxQueue: string;
  alias?: string;
}

function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`serve: ${name} must be an integer ≥ ${min}, got '${v}'`, 2);
  return n;
}

/**
 * The engine behind the server: the continuous-batching engine on its own worker thread, so the
 * event loop only does HTTP (and /health answers while every slot decodes). `--ctx` is the
 * context of each slot.
 */
function openEngine(model: string, o: { parallel: number; ctx?: number; backend?: string; threads?: number; maxQueue: number; alias?: string }): Promise<ServeEngine> {
  return openServeEngine(model, {
    parallel: o.parallel,
    ...(o.ctx !== undefined ? { slotContext: o.ctx } : {}),
    ...(o.backend !== undefined ? { backend: o.backend } : {}),
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(o.alias !== undefined ? { modelId: o.alias } : {}),
    maxQueue: o.maxQueue,
  });
}

/** Registers `apr serve MODEL`: an OpenAI- and Ollama-compatible HTTP server. */
export function registerServe(program: Command, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): void {
  program
    .command('serve')
    .description('serve a model over HTTP: OpenAI (/v1/...), Ollama (/api/...), /health, /metrics, /tokenize')
    .argument('<model>', 'model file (GGUF) or store reference (pulled when missing)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option('--parallel <n>', 'sequences decoded together (slots, each with its own KV cache)', '4')
    .option('--ctx <n>', 'context of each slot in tokens (default: the model\'s, at most 4096)')
    .option('--api-key <key>', 'require Authorization: Bearer <key>')
    .option('--backend <name>', 'compute backend: auto, ref, native')
    .option('--threads <n>', 'threads of the native backend')
    .option('--max-queue <n>', 'requests that may wait for a slot before 429', '64')
    .option('--alias <id>', 'model id shown to clients (default: the file name without .gguf)')
    .action(async (model: string, opts: ServeOpts) => {
      const port = int('--port', opts.port, 0)!;
      if (port > 65535) throw new CliError(`serve: --port must be ≤ 65535, got ${port}`, 2);
      const o = {
        parallel: int('--parallel', opts.parallel, 1)!,
        ctx: int('--ctx', opts.ctx, 16),
        threads: int('--threads', opts.threads, 1),
        maxQueue: int('--max-queue', opts.maxQueue, 0)!,
        backend: opts.backend,
        alias: opts.alias,
      };
      const path = await resolveModelArg(model, { pull: true, io });
      io.stderr.write(`loading ${model} ...\n`);
      const engine = openEngine(path, { ...o, alias: o.alias ?? (path === model ? undefined : model) });
      const server = await startServer(engine, { host: opts.host, port, ...(opts.apiKey ? { apiKey: opts.apiKey } : {}) }).catch((e: NodeJS.ErrnoException) => {
        void engine.then((x) => x.close()).catch(() => undefined);
        throw new CliError(`serve: cannot listen on ${opts.host}:${port}: ${e.message}`, 1);
      });
      io.stdout.write(`listening on ${server.url} (model loading; GET /health answers 200 when ready)\n`);
      let e: ServeEngine;
      try {
        e = await engine;
      } catch (err) {
        await server.close();
        throw err;
      }
      const m = e.model;
      io.stdout.write(
        `ready: ${m.id} (${m.architecture}, ${m.quantization}, ${(m.fileBytes / 1e6).toFixed(0)} MB) in ${m.loadMs.toFixed(0)} ms, ` +
          `backend ${m.backend}, ${e.stats().slots} slot(s) × ${m.slotContext} tokens\n` +
          `  OpenAI:  ${server.url}/v1   Ollama: ${server.url}   metrics: ${server.url}/metrics\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          io.stderr.write('\nshutting down ...\n');
          void server.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
