/**
 * `apr bench-serve MODEL`: starts `apr serve MODEL` as a child process on a free loopback port,
 * waits until `GET /health` answers 200, and stops it afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CliError } from '../cli-error.js';

/** A running server child. */
export interface ServeChild {
  readonly baseUrl: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; closed again before the child binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The `apr` entry script: $APR_BIN, else `cli.js` beside this bundle (dist/), else the running
 * script (`node dist/cli.js bench-serve ...`).
 */
export function aprCliPath(): string {
  if (process.env.APR_BIN) return process.env.APR_BIN;
  const beside = fileURLToPath(new URL('./cli.js', import.meta.url));
  if (existsSync(beside)) return beside;
  if (process.argv[1] && /cli\.[jt]s$/.test(process.argv[1])) return process.argv[1];
  throw new CliError('cannot find the apr CLI script to start `apr serve`; build it (pnpm build) or set APR_BIN to packages/apr-cli/dist/cli.js', 2);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `apr serve` with `args` after the model and resolves once /health is 200. */
export async function startServeChild(modelPath: string, args: readonly string[], opts: { timeoutMs: number; log: (s: string) => void }): Promise<ServeChild> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const argv = [aprCliPath(), 'serve', modelPath, '--host', '127.0.0.1', '--port', String(port), ...args];
  opts.log(`starting: node ${argv.join(' ')}`);
  const child: ChildProcess = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  const exitPromise = new Promise<void>((r) =>
    child.once('exit', (code) => {
      exited = code;
      r();
    }),
  );
  const stop = async (): Promise<void> => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exitPromise;
    clearTimeout(killer);
  };
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new CliError(`apr serve exited (code ${exited}) before it was ready:\n${output.trim()}`, 1);
    try {
      const r = await fetch(`${baseUrl}/health`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      await stop();
      throw new CliError(`apr serve was not ready within ${Math.round(opts.timeoutMs / 1000)} s:\n${output.trim()}`, 1);
    }
    await sleep(200);
  }
  return { baseUrl, pid: child.pid ?? -1, stop };
}
