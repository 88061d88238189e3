import { Readable, Writable } from 'node:stream';
import { main } from '../src/main.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

/** Runs `apr argv…` in-process with captured stdout/stderr and optional stdin text. */
export async function apr(argv: string[], stdinText?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const stdin = stdinText === undefined ? undefined : Object.assign(Readable.from([stdinText]), { isTTY: false });
  const code = await main(argv, { stdout, stderr, stdin });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
