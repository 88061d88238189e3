import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LLAMA_BENCH_CACHE, locateLlamaBench, nodeLlamaCppTag } from '../bench/llama-bench-locate.js';

const root = mkdtempSync(join(tmpdir(), 'apr-llama-bench-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Makes `<ws>/.cache/llama-bench/<tag>/bin/llama-bench` with the given mtime (seconds). */
function fakeBuild(ws: string, tag: string, mtime: number): string {
  const bin = join(ws, LLAMA_BENCH_CACHE, tag, 'bin');
  mkdirSync(bin, { recursive: true });
  const path = join(bin, 'llama-bench');
  writeFileSync(path, '#!/bin/sh\n');
  utimesSync(path, mtime, mtime);
  return path;
}

describe('locating native llama-bench for --cmp llama', () => {
  it('LLAMA_BENCH wins over the cache', () => {
    expect(locateLlamaBench({ env: '/opt/llama-bench', searchFrom: [root] })).toEqual({ path: '/opt/llama-bench', source: 'LLAMA_BENCH' });
  });

  it('finds the workspace cache above the start directory; node-llama-cpp\'s tag first, else the newest build', () => {
    const ws = join(root, 'ws');
    const older = fakeBuild(ws, 'b1000', 1_000_000);
    const newer = fakeBuild(ws, 'b2000', 2_000_000);
    mkdirSync(join(ws, LLAMA_BENCH_CACHE, 'b3000-unfinished', 'build'), { recursive: true }); // no bin/: ignored
    const deep = join(ws, 'packages', 'apr-cli', 'dist');
    mkdirSync(deep, { recursive: true });
    expect(locateLlamaBench({ searchFrom: [deep], preferTag: 'b1000' })).toMatchObject({ path: older, tag: 'b1000' });
    const any = locateLlamaBench({ searchFrom: [deep], preferTag: undefined });
    expect(any).toMatchObject({ path: newer, tag: 'b2000' });
    expect(any.path && 'source' in any ? any.source : '').toMatch(/pnpm llama-bench:build \(llama\.cpp b2000\)/);
  });

  it('says how to get one when there is none', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const r = locateLlamaBench({ searchFrom: [empty], preferTag: undefined });
    expect(r.path).toBeUndefined();
    expect('reason' in r ? r.reason : '').toMatch(/pnpm llama-bench:build.*LLAMA_BENCH/);
  });

  it('node-llama-cpp\'s llama.cpp tag is read from its package (a devDependency here)', () => {
    expect(nodeLlamaCppTag()).toMatch(/^[\w.-]+$/);
  });
});
