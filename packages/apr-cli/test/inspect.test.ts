import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { GGMLType, GGUFValueType, gguf, writeGGUF } from '@sovereign/realizar';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectModel } from '../src/commands/inspect.js';
import { main } from '../src/main.js';

const fixtures = join(import.meta.dirname, '../../../../shared/fixtures');
const haveFixtures = existsSync(join(fixtures, 'stories260K.gguf'));
if (!haveFixtures) console.warn(`skipping fixture tests: ${fixtures} not found (../shared/fixtures is absent)`);

const dir = mkdtempSync(join(tmpdir(), 'apr-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

async function apr(...argv: string[]) {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(argv, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function smallModel(): string {
  const bytes = writeGGUF({
    metadata: [
      ['general.architecture', gguf.str('qwen2')],
      ['general.name', gguf.str('unit')],
      ['qwen2.context_length', gguf.u32(128)],
      ['qwen2.attention.layer_norm_rms_epsilon', gguf.f32(1e-6)],
      ['tokenizer.ggml.tokens', gguf.arr(GGUFValueType.STRING, Array.from({ length: 40 }, (_, i) => `t${i}`))],
      ['tokenizer.chat_template', gguf.str('{{ messages }}')],
    ],
    tensors: [
      { name: 'a', type: GGMLType.F32, dims: [4, 2], data: new Uint8Array(32) },
      { name: 'b', type: GGMLType.Q8_0, dims: [64], data: new Uint8Array(68) },
    ],
  });
  const path = join(dir, 'small.gguf');
  writeFileSync(path, bytes);
  return path;
}

describe('apr inspect', () => {
  it('prints the documented JSON object for a GGUF file', async () => {
    const path = smallModel();
    const r = await apr('inspect', path, '--json', '--tensors');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      format: 'gguf',
      version: 3,
      architecture: 'qwen2',
      tensorCount: 2,
      parameterCount: 72,
      types: { f32: 1, q8_0: 1 },
      contextLength: 128,
      vocabSize: 40,
      chatTemplate: true,
    });
    expect(report.metadata['tokenizer.ggml.tokens']).toEqual({ type: 'array<str>', length: 40 });
    expect(report.metadata['qwen2.attention.layer_norm_rms_epsilon']).toBe(0.000001);
    expect(report.tensors).toEqual([
      { name: 'a', type: 'f32', shape: [4, 2], offset: 0, bytes: 32 },
      { name: 'b', type: 'q8_0', shape: [64], offset: 32, bytes: 68 },
    ]);
  });

  it('prints a readable summary without --json', async () => {
    const r = await apr('inspect', smallModel(), '--tensors');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/architecture:\s+qwen2/);
    expect(r.stdout).toMatch(/tensors:\s+2 \(f32 1, q8_0 1\)/);
    expect(r.stdout).toMatch(/^1\s+b\s+q8_0\s+\[64\]\s+32\s+68$/m);
  });

  it('fails with exit 1 and one line naming the problem on a bad file', async () => {
    const good = readFileSync(smallModel());
    const truncated = join(dir, 'truncated.gguf');
    writeFileSync(truncated, good.subarray(0, good.length - 40));
    for (const [path, pattern] of [
      [truncated, /tensor 'b'.*(truncated|past|end)/i],
      [join(dir, 'missing.gguf'), /no such file/],
      [join(import.meta.dirname, 'inspect.test.ts'), /magic.*expected "GGUF"/],
    ] as const) {
      const r = await apr('inspect', path);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
    const verbose = await apr('inspect', truncated, '--verbose');
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  const procIo = '/proc/self/io';
  const haveProcIo = existsSync(procIo);
  if (!haveProcIo) console.warn('skipping the bytes-read check of apr inspect: /proc/self/io is absent (not Linux)');
  it.skipIf(!haveProcIo)('reads only the header: a 16 MiB model costs one 1 MiB window of reads', () => {
    const bytes = writeGGUF({
      metadata: [
        ['general.architecture', gguf.str('llama')],
        ['tokenizer.ggml.tokens', gguf.arr(GGUFValueType.STRING, Array.from({ length: 5000 }, (_, i) => `tok${i}`))],
      ],
      tensors: [{ name: 'big', type: GGMLType.F32, dims: [4096, 1024], data: new Uint8Array(16 << 20) }],
    });
    const path = join(dir, 'big.gguf');
    writeFileSync(path, bytes);
    // rchar: bytes this process got from read() calls; inspectModel is synchronous, so the delta is its reads.
    const rchar = () => Number(/rchar:\s*(\d+)/.exec(readFileSync(procIo, 'utf8'))![1]);
    const before = rchar();
    const report = inspectModel(path, { tensors: true });
    const read = rchar() - before;
    expect(report).toMatchObject({ tensorCount: 1, vocabSize: 5000, fileSize: bytes.length });
    expect(report.tensors).toEqual([{ name: 'big', type: 'f32', shape: [4096, 1024], offset: 0, bytes: 16 << 20 }]);
    expect(read).toBeLessThan(1.5 * (1 << 20)); // the first 1 MiB window, no growth needed
  });

  it.skipIf(!haveFixtures)('reads the stories260K fixture', async () => {
    const r = await apr('inspect', join(fixtures, 'stories260K.gguf'), '--json');
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ architecture: 'llama', tensorCount: 48, vocabSize: 512, contextLength: 2048, dataOffset: 14176 });
    expect(Object.keys(report.metadata)).toHaveLength(19);
  });

  it('reports usage errors with exit code 2', async () => {
    const r = await apr('inspect');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });
});
