/**
 * Builds native/test/fake-libcuda.cpp with g++ into a temp dir as `libcuda.so.1` (one build per
 * variant and test process), and hands out private copies: each copy is a separate dlopen
 * object with its own fake driver state, so a test that faults the fake context does not break
 * the next one.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'test', 'fake-libcuda.cpp');

/** Which fake: the full driver, or one lacking entry points. */
export type FakeVariant = 'full' | 'no-graphs' | 'graph-v2' | 'no-launch';
const DEFINES: Record<FakeVariant, string[]> = {
  full: [],
  'no-graphs': ['-DFAKE_CUDA_NO_GRAPHS'],
  'graph-v2': ['-DFAKE_CUDA_GRAPH_V2'],
  'no-launch': ['-DFAKE_CUDA_NO_LAUNCH'],
};

let root: string | undefined;
const built = new Map<FakeVariant, string>();
let copies = 0;

/** Why the fake cannot be built here (no g++), or undefined when it can. */
export function fakeUnavailable(): string | undefined {
  const r = spawnSync(process.env.CXX || 'g++', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `no C++ compiler (${process.env.CXX || 'g++'}) to build the fake libcuda`;
}

function build(variant: FakeVariant): string {
  const have = built.get(variant);
  if (have) return have;
  root ??= mkdtempSync(join(tmpdir(), 'trueno-fake-cuda-'));
  const dir = join(root, variant);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'libcuda.so.1');
  const r = spawnSync(process.env.CXX || 'g++', ['-std=c++17', '-shared', '-fPIC', '-O1', ...DEFINES[variant], '-o', out, SOURCE], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(out)) throw new Error(`building the fake libcuda (${variant}) failed:\n${r.stderr}`);
  built.set(variant, out);
  return out;
}

/** A fresh copy of the fake `variant` (its own driver state), and the path of its launch log. */
export function fakeLibcuda(variant: FakeVariant = 'full'): { path: string; log: string } {
  const src = build(variant);
  const dir = join(root!, `copy-${++copies}`);
  mkdirSync(dir);
  const path = join(dir, 'libcuda.so.1');
  copyFileSync(src, path);
  return { path, log: join(dir, 'calls.jsonl') };
}

/** One line of the fake's log (FAKE_CUDA_LOG). */
export interface FakeLogEntry {
  op: string;
  fn?: string;
  grid?: number[];
  block?: number[];
  shared?: number;
  stream?: number;
  graph?: boolean;
  params?: string;
  bytes?: number;
  nodes?: number;
  retains?: number;
  allocations?: number;
  modules?: number;
  streams?: number;
}

/** The entries the fake has logged to `log` so far. */
export function readFakeLog(log: string): FakeLogEntry[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FakeLogEntry);
}

/** Removes the temp dir (call in afterAll). */
export function cleanupFakes(): void {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
  built.clear();
}
