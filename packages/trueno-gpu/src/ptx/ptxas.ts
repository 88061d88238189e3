/**
 * Assembles PTX text with NVIDIA's `ptxas` (from the CUDA toolkit) to check that emitted modules
 * are valid for a target, and to read the register / spill / shared-memory report of `-v`.
 * Nothing here needs a GPU; where no toolkit is installed {@link findPtxas} returns undefined and
 * callers (tests) skip with a reason.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { SmTarget } from './kernel.js';

/** Per-function resource use reported by `ptxas -v`. */
export interface PtxasFunctionInfo {
  readonly name: string;
  readonly registers: number;
  readonly spillStores: number;
  readonly spillLoads: number;
  readonly sharedBytes: number;
  readonly stackBytes: number;
}

/** Outcome of one assembly. */
export interface PtxasResult {
  readonly ok: boolean;
  /** ptxas's stderr + stdout (errors, warnings, `-v` info). */
  readonly log: string;
  readonly functions: readonly PtxasFunctionInfo[];
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Path of ptxas: `$PTXAS`, then `$CUDA_HOME/bin/ptxas`, `/usr/local/cuda/bin/ptxas`, then `ptxas`
 * on `PATH`; undefined if none. `PTXAS=off` disables it (to run the suite as a machine without
 * the toolkit would).
 */
export function findPtxas(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PTXAS === 'off') return undefined;
  const candidates = [env.PTXAS, env.CUDA_HOME && join(env.CUDA_HOME, 'bin', 'ptxas'), '/usr/local/cuda/bin/ptxas'];
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'ptxas'));
  return candidates.find((c): c is string => !!c && executable(c));
}

/** Parses the `-v` report: `Compiling entry function 'x'` then `Used N registers, …` lines. */
export function parsePtxasInfo(log: string): PtxasFunctionInfo[] {
  const out: PtxasFunctionInfo[] = [];
  let cur: { name: string; registers: number; spillStores: number; spillLoads: number; sharedBytes: number; stackBytes: number } | undefined;
  for (const line of log.split('\n')) {
    const fn = /Compiling entry function '([^']+)'/.exec(line);
    if (fn) {
      cur = { name: fn[1], registers: 0, spillStores: 0, spillLoads: 0, sharedBytes: 0, stackBytes: 0 };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const spill = /(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads/.exec(line);
    if (spill) {
      cur.stackBytes = Number(spill[1]);
      cur.spillStores = Number(spill[2]);
      cur.spillLoads = Number(spill[3]);
    }
    const regs = /Used (\d+) registers/.exec(line);
    if (regs) cur.registers = Number(regs[1]);
    const smem = /(\d+) bytes smem/.exec(line);
    if (smem) cur.sharedBytes = Number(smem[1]);
  }
  return out;
}

/**
 * Assembles `ptx` for `target` in a temporary directory (removed afterwards) with `-v`.
 * Throws only when no ptxas is found; assembly errors come back as `ok: false` with the log.
 */
export function assemblePtx(ptx: string, target: SmTarget, ptxas = findPtxas()): PtxasResult {
  if (!ptxas) throw new Error('ptxas not found: install the CUDA toolkit or set PTXAS to its path');
  const dir = mkdtempSync(join(tmpdir(), 'trueno-ptxas-'));
  try {
    const src = join(dir, 'module.ptx');
    writeFileSync(src, ptx);
    const r = spawnSync(ptxas, [`-arch=${target}`, '-v', '-o', join(dir, 'module.cubin'), src], { encoding: 'utf8' });
    const log = `${r.stderr ?? ''}${r.stdout ?? ''}${r.error ? String(r.error) : ''}`;
    return { ok: r.status === 0, log, functions: parsePtxasInfo(log) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let warned = false;

/**
 * For tests: the ptxas path, or undefined after printing once why ptxas checks are skipped
 * (use with `it.skipIf(!ptxas)`).
 */
export function ptxasForTests(): string | undefined {
  const p = findPtxas();
  if (!p && !warned) {
    warned = true;
    console.warn('trueno-gpu: ptxas not found (set PTXAS or install the CUDA toolkit); PTX assembly checks are skipped');
  }
  return p;
}
