/**
 * `apr pull REF [--json] [--parallel N] [--require-signature]`: downloads a model into the store
 * (resumable: Ctrl-C and the same command again continue where it stopped). Progress: a bar per
 * blob on a TTY (cli-progress: bytes, speed, ETA), plain lines otherwise, NDJSON events (Ollama's
 * `/api/pull` shape) on stdout with `--json`.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type PullEvent, type PullResult, PullAbortedError, pull, requireTrustedSignature, shortId } from '@sovereign/pacha';
import { CliError } from '../cli-error.js';
import { humanSize, openStore, withRefErrors } from './list-store.js';

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

/** How {@link pullWithProgress} reports. */
export interface PullReportOptions {
  /** `json`: NDJSON events on `out`; `auto`: a bar when `out` is a TTY, else plain lines. */
  readonly mode: 'json' | 'auto';
  readonly out: NodeJS.WritableStream;
  readonly parallel?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Refuse the model (nothing committed) unless a trusted key signed it (`apr trust`). */
  readonly requireSignature?: boolean;
}

/** Renders pull events as plain lines: each new status once, progress at every 10 %. */
function plainRenderer(out: NodeJS.WritableStream): { event: (e: PullEvent) => void; stop: () => void } {
  let status = '';
  let decile = -1;
  return {
    event: (e) => {
      if (e.total !== undefined && e.completed !== undefined && e.total > 0) {
        const d = Math.floor((10 * e.completed) / e.total);
        if (e.status !== status || d !== decile) out.write(`${e.status}: ${d * 10}% (${humanSize(e.completed)}/${humanSize(e.total)})\n`);
        decile = d;
      } else if (e.status !== status) out.write(`${e.status}\n`);
      status = e.status;
    },
    stop: () => undefined,
  };
}

/** Renders pull events as a cli-progress bar per blob (bytes, speed over the last seconds, ETA). */
function barRenderer(out: NodeJS.WritableStream): { event: (e: PullEvent) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  let barDigest: string | undefined;
  let speed = 0;
  let last = { t: 0, n: 0 };
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    event: (e) => {
      if (e.total === undefined || e.completed === undefined) {
        stop();
        out.write(`${e.status}\n`);
        return;
      }
      if (!bar || e.digest !== barDigest) {
        stop();
        barDigest = e.digest;
        bar = new cliProgress.SingleBar(
          {
            stream: out as NodeJS.WriteStream,
            format: '{status} [{bar}] {percentage}% | {done}/{size} | {speed} | ETA {eta_formatted}',
            hideCursor: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(e.total, e.completed, { status: e.status, done: humanSize(e.completed), size: humanSize(e.total), speed: '-' });
        last = { t: Date.now(), n: e.completed };
        speed = 0;
        return;
      }
      const now = Date.now();
      if (now > last.t) {
        const inst = ((e.completed - last.n) * 1000) / (now - last.t);
        speed = speed === 0 ? inst : 0.8 * speed + 0.2 * inst;
        last = { t: now, n: e.completed };
      }
      bar.update(e.completed, { status: e.status, done: humanSize(e.completed), speed: `${humanSize(Math.round(speed))}/s` });
    },
    stop,
  };
}

/**
 * Pulls `ref` into the store at $PACHA_HOME with progress on `o.out`; SIGINT aborts it cleanly
 * (a second SIGINT exits at once). An interrupted pull becomes a CliError with exit code 130.
 */
export async function pullWithProgress(ref: string, o: PullReportOptions): Promise<PullResult> {
  const tty = (o.out as { isTTY?: boolean }).isTTY === true;
  const r = o.mode === 'json' ? { event: (e: PullEvent) => void o.out.write(`${JSON.stringify(e)}\n`), stop: () => undefined } : tty ? barRenderer(o.out) : plainRenderer(o.out);
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130);
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const store = openStore();
    const beforeCommitManifest = o.requireSignature ? requireTrustedSignature(store) : undefined;
    return await withRefErrors(() => pull(store, ref, { env: o.env ?? process.env, signal: ac.signal, parallel: o.parallel, onProgress: r.event, beforeCommitManifest }));
  } catch (err) {
    if (err instanceof PullAbortedError) throw new CliError(err.message, 130);
    throw err;
  } finally {
    r.stop();
    process.off('SIGINT', onSigint);
  }
}

/** Registers `apr pull`. */
export function registerPull(program: Command, io: Io): void {
  program
    .command('pull')
    .description('download a model into the store (resumable); REF: name:tag, hf://org/repo/file.gguf, hf.co/org/repo:QUANT, https://…/x.gguf, ollama://ns/name:tag')
    .argument('<ref>', 'model reference')
    .option('--json', 'print progress as NDJSON events on stdout')
    .option('--parallel <n>', 'parts of a file downloaded in parallel', '4')
    .option('--require-signature', 'refuse a model not signed by a trusted key (apr trust); nothing is stored then')
    .action(async (ref: string, flags: { json?: boolean; parallel: string; requireSignature?: boolean }) => {
      const parallel = Number(flags.parallel);
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) throw new CliError(`--parallel must be an integer from 1 to 64, got '${flags.parallel}'`, 2);
      const r = await pullWithProgress(ref, { mode: flags.json ? 'json' : 'auto', out: flags.json ? io.stdout : io.stderr, parallel, requireSignature: flags.requireSignature });
      if (flags.json) return;
      const s = await openStore().show(r.name);
      io.stdout.write(`pulled '${r.display}' (${shortId(s.digest)}, ${humanSize(s.size)}${r.downloaded.length === 0 ? ', already up to date' : ''})\n`);
    });
}
