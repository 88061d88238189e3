/**
 * Test oracle: ggml's own reference quantizers, run in a helper process, so that tests can check
 * our kernels byte for byte against llama.cpp's.
 *
 * The helper (`ggml-oracle.c`, our code) dlopen()s the prebuilt `libggml-base.so` shipped by the
 * `@node-llama-cpp/linux-x64` devDependency (and, for dot products, the baseline CPU backend
 * `libggml-cpu-x64.so` beside it, which exports ggml's scalar `*_generic` vec_dot functions). It is compiled with `cc -O2` on first use into
 * `node_modules/.cache/ggml-oracle/<hash of the C source>/` and serves many requests per process.
 * {@link loadGgmlOracle} never throws: where cc, the library or a symbol is missing it returns
 * `{ skip: reason }` and tests skip with that reason.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dtypeByName } from '../src/dtype.js';

/** ggml's reference functions, called in the helper process. */
export interface GgmlOracle {
  /** Absolute path of the `libggml-base.so` in use. */
  readonly library: string;
  /**
   * `quantize_row_<type>_ref(src, dst, src.length)`; `f16` / `bf16` use ggml_fp32_to_fp16_row /
   * ggml_fp32_to_bf16_row_ref (`bf16_row`: ggml_fp32_to_bf16_row). `src.length` must be whole blocks.
   */
  quantize(typeName: string, src: Float32Array): Promise<Uint8Array>;
  /** `dequantize_row_<type>(bytes, dst, n)`; `f16` / `bf16` use ggml_fp16_to_fp32_row / ggml_bf16_to_fp32_row. */
  dequantize(typeName: string, bytes: Uint8Array, n: number): Promise<Float32Array>;
  /**
   * ggml's scalar dot product of `n` values, `x` of type `xType` and `y` of type `yType` (its
   * vec_dot_type): `ggml_vec_dot_<x>_<y>_generic` from the baseline CPU backend, or
   * `ggml_vec_dot_f32` / `_f16` / `_bf16` when both are that float type. Rejects when the CPU
   * backend library is missing.
   */
  vecDot(xType: string, yType: string, n: number, x: Uint8Array, y: Uint8Array): Promise<number>;
  /** Stops the helper process. Further calls reject. */
  close(): Promise<void>;
}

/** Error reported by the helper (unknown symbol, bad size) or by a dead helper process. */
export class GgmlOracleError extends Error {
  override name = 'GgmlOracleError';
}

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, '..');
const cSource = join(here, 'ggml-oracle.c');
const execFileP = promisify(execFile);

/**
 * Finds libggml-base.so (`$GGML_ORACLE_LIB`, else the one in @node-llama-cpp/linux-x64's bins)
 * and, beside it, the baseline CPU backend libggml-cpu-x64.so (optional: only vecDot needs it).
 */
function findLibrary(): { base: string; cpu?: string } | { skip: string } {
  const withCpu = (base: string) => {
    const cpu = join(dirname(base), 'libggml-cpu-x64.so');
    return existsSync(cpu) ? { base, cpu } : { base };
  };
  const fromEnv = process.env.GGML_ORACLE_LIB;
  if (fromEnv) return existsSync(fromEnv) ? withCpu(fromEnv) : { skip: `GGML_ORACLE_LIB=${fromEnv} does not exist` };
  let entry: string;
  try {
    // The package exports only '.', not './package.json'; its main lives in dist/.
    entry = createRequire(join(packageRoot, 'package.json')).resolve('@node-llama-cpp/linux-x64');
  } catch (e) {
    return { skip: `@node-llama-cpp/linux-x64 is not installed (${(e as Error).message.split('\n')[0]})` };
  }
  const bins = join(dirname(entry), '..', 'bins');
  const dirs = existsSync(bins) ? readdirSync(bins) : [];
  for (const d of dirs) {
    const lib = join(bins, d, 'libggml-base.so');
    if (existsSync(lib)) return withCpu(lib);
  }
  return { skip: `no bins/*/libggml-base.so under ${bins}` };
}

/** Compiles the helper once per C-source hash; concurrent workers race safely via rename(). */
async function compile(): Promise<string | { skip: string }> {
  const source = readFileSync(cSource);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(packageRoot, 'node_modules', '.cache', 'ggml-oracle', hash);
  const exe = join(dir, 'ggml-oracle');
  if (existsSync(exe)) return exe;
  await mkdir(dir, { recursive: true });
  const tmp = `${exe}.${process.pid}.${Date.now()}.tmp`;
  try {
    await execFileP(process.env.CC ?? 'cc', ['-O2', '-std=c11', '-o', tmp, cSource, '-ldl'], { timeout: 60_000 });
    await rename(tmp, exe);
    return exe;
  } catch (e) {
    await rm(tmp, { force: true });
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') return { skip: 'no C compiler (cc) on PATH to build the ggml oracle' };
    return { skip: `compiling ggml-oracle.c failed: ${(err.stderr || err.message).trim().slice(0, 500)}` };
  }
}

/** A running helper: writes length-prefixed requests, parses responses in FIFO order. */
class OracleProcess implements GgmlOracle {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = [];
  private dead: Error | undefined;

  constructor(
    readonly library: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    child.stdout.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      this.drain();
    });
    const die = (why: string) => {
      this.dead ??= new GgmlOracleError(`ggml oracle process ended: ${why}`);
      for (const w of this.waiting.splice(0)) w.reject(this.dead);
    };
    child.on('exit', (code, signal) => die(`exit code ${code}, signal ${signal}`));
    child.on('error', (e) => die(e.message));
    child.stdin.on('error', (e) => die(e.message));
  }

  /**
   * Keeps the event loop alive only while a request is pending, so a test that forgets close()
   * does not hang its worker, yet a plain script awaiting a result does not exit early.
   */
  /** Called once after start: an idle helper does not hold the event loop. */
  idle(): void {
    this.setRef(false);
  }

  private setRef(on: boolean): void {
    const handles = [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as {
      ref?: () => void;
      unref?: () => void;
    }[];
    for (const h of handles) (on ? h.ref : h.unref)?.call(h);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return head;
  }

  /** Parses as many complete responses (u32 status, u64 len, bytes) as have arrived. */
  private drain(): void {
    while (this.waiting.length && this.buffered >= 12) {
      const head = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      const status = head.readUInt32LE(0);
      const len = Number(head.readBigUInt64LE(4));
      if (this.buffered < 12 + len) return;
      this.take(12);
      const body = Buffer.from(this.take(len)); // copy: the result must own an aligned buffer
      const w = this.waiting.shift()!;
      if (!this.waiting.length) this.setRef(false);
      if (status === 0) w.resolve(body);
      else w.reject(new GgmlOracleError(`ggml oracle: ${body.toString('utf8')}`));
    }
  }

  private request(op: 1 | 2 | 3, name: string, n: number, outLen: number, input: Uint8Array): Promise<Buffer> {
    if (this.dead) return Promise.reject(this.dead);
    const nameBytes = Buffer.from(name, 'utf8');
    const header = Buffer.alloc(8 + nameBytes.length + 24);
    header.writeUInt32LE(op, 0);
    header.writeUInt32LE(nameBytes.length, 4);
    nameBytes.copy(header, 8);
    let o = 8 + nameBytes.length;
    header.writeBigUInt64LE(BigInt(n), o);
    header.writeBigUInt64LE(BigInt(outLen), o + 8);
    header.writeBigUInt64LE(BigInt(input.byteLength), o + 16);
    o += 24;
    return new Promise<Buffer>((resolvePromise, reject) => {
      if (!this.waiting.length) this.setRef(true);
      this.waiting.push({ resolve: resolvePromise, reject });
      this.child.stdin.write(header);
      this.child.stdin.write(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    });
  }

  async quantize(typeName: string, src: Float32Array): Promise<Uint8Array> {
    const { name, outLen } = sizes(typeName, src.length);
    const out = await this.request(1, name, src.length, outLen, new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  async dequantize(typeName: string, bytes: Uint8Array, n: number): Promise<Float32Array> {
    const { name, outLen: inLen } = sizes(typeName, n);
    if (bytes.byteLength < inLen) {
      throw new GgmlOracleError(`${name}: ${n} values need ${inLen} bytes, got ${bytes.byteLength}`);
    }
    const out = await this.request(2, name, n, n * 4, bytes.subarray(0, inLen));
    return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
  }

  async vecDot(xType: string, yType: string, n: number, x: Uint8Array, y: Uint8Array): Promise<number> {
    const xs = sizes(xType, n);
    const ys = sizes(yType, n);
    const sym = xs.name === ys.name && /^(f32|f16|bf16)$/.test(xs.name) ? xs.name : `${xs.name}_${ys.name}_generic`;
    if (x.byteLength < xs.outLen || y.byteLength < ys.outLen) {
      throw new GgmlOracleError(`vecDot: ${n} values need ${xs.outLen} + ${ys.outLen} bytes, got ${x.byteLength} + ${y.byteLength}`);
    }
    const input = new Uint8Array(8 + xs.outLen + ys.outLen);
    new DataView(input.buffer).setBigUint64(0, BigInt(xs.outLen), true);
    input.set(x.subarray(0, xs.outLen), 8);
    input.set(y.subarray(0, ys.outLen), 8 + xs.outLen);
    const out = await this.request(3, sym, n, 4, input);
    return out.readFloatLE(0);
  }

  async close(): Promise<void> {
    if (this.dead) return;
    this.dead = new GgmlOracleError('ggml oracle was closed');
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    const op0 = Buffer.alloc(4);
    this.child.stdin.end(op0);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    if (this.child.exitCode === null) this.child.kill();
  }
}

/** ggml's spelling of a type name and the byte size of `n` values of it. */
function sizes(typeName: string, n: number): { name: string; outLen: number } {
  const alias = typeName === 'bf16_row' ? 'bf16' : typeName;
  const d = dtypeByName(alias);
  if (n % d.blockSize !== 0) {
    throw new GgmlOracleError(`${d.name}: row length must be a multiple of ${d.blockSize}, got ${n}`);
  }
  return { name: typeName === 'bf16_row' ? typeName : d.name, outLen: (n / d.blockSize) * d.typeSize };
}

/**
 * Builds (if needed) and starts the ggml oracle. Resolves to `{ skip }` with a reason, never
 * rejects, when the platform cannot run it (no cc, no library, dlopen failure).
 */
export async function loadGgmlOracle(): Promise<GgmlOracle | { skip: string }> {
  try {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      return { skip: `ggml oracle needs linux-x64 (libggml-base.so), this is ${process.platform}-${process.arch}` };
    }
    const libs = findLibrary();
    if ('skip' in libs) return libs;
    const exe = await compile();
    if (typeof exe !== 'string') return exe;
    const child = spawn(exe, libs.cpu ? [libs.base, libs.cpu] : [libs.base], { stdio: ['pipe', 'pipe', 'pipe'] });
    const ready = await new Promise<string | true>((resolveReady) => {
      let err = '';
      const timer = setTimeout(() => resolveReady('timed out waiting for the oracle to start'), 20_000);
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('ready\n')) {
          clearTimeout(timer);
          resolveReady(true);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolveReady(`oracle exited with code ${code}: ${err.trim()}`);
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        resolveReady(`cannot start oracle: ${e.message}`);
      });
    });
    if (ready !== true) {
      child.kill();
      return { skip: ready };
    }
    const oracle = new OracleProcess(libs.base, child);
    oracle.idle();
    return oracle;
  } catch (e) {
    return { skip: `ggml oracle unavailable: ${(e as Error).message}` };
  }
}

/** Narrowing helper: true when {@link loadGgmlOracle} returned a skip reason. */
export function isSkip(o: GgmlOracle | { skip: string }): o is { skip: string } {
  return 'skip' in o;
}
