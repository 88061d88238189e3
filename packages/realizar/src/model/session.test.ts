/**
 * Session mechanics through a spying backend: a prompt is one batched pass (every matmul sees all
 * its rows), long prompts split at maxBatch, the output head runs once per call, and decode steps
 * reuse the activation buffers instead of allocating.
 */
import { type Backend, type Tensor, refBackend } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { loadModel } from './model.js';
import { type TestModelSpec, testModel } from './test-model.js';

const SPEC: TestModelSpec = { arch: 'qwen2', dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 48, vocab: 270, tied: true };

/** The ref backend, recording (weight name, nTok) of every matmul. */
function spyBackend(): { backend: Backend; calls: Array<[string, number]> } {
  const calls: Array<[string, number]> = [];
  const backend: Backend = Object.create(refBackend, {
    matmul: {
      value(w: Tensor, x: Float32Array, nTok: number, out: Float32Array) {
        calls.push([w.name, nTok]);
        refBackend.matmul(w, x, nTok, out);
      },
    },
  });
  return { backend, calls };
}

describe('session', () => {
  it('session: a prompt is one batched pass — every matmul gets all nTok rows, the head only the last [F-MODEL-9]', () => {
    const { backend, calls } = spyBackend();
    const m = loadModel(testModel(SPEC).file, { backend });
    expect(m.backend).toBe(backend);
    m.createSession().forward([1, 5, 9, 200, 7, 3, 260]);
    expect(calls).toHaveLength(2 * 7 + 1);
    for (const [name, n] of calls.slice(0, -1)) expect([name, n]).toEqual([name, 7]);
    expect(calls.at(-1)).toEqual(['token_embd.weight', 1]); // tied LM head, last token only
  });

  it('session: prompts longer than maxBatch run in passes of maxBatch, with one output head', () => {
    const { backend, calls } = spyBackend();
    loadModel(testModel(SPEC).file, { backend }).createSession({ maxBatch: 4 }).forward([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const sizes = calls.filter(([n]) => n === 'blk.0.attn_q.weight').map(([, n]) => n);
    expect(sizes).toEqual([4, 4, 2]);
    expect(calls.filter(([n]) => n === 'token_embd.weight')).toEqual([['token_embd.weight', 1]]);
  });

  it('session: decode steps reuse the activation buffers and the logits buffer (no per-token allocation)', () => {
    const s = loadModel(testModel(SPEC).file).createSession({ contextLength: 64 });
    const buffers = new Set<ArrayBufferLike>();
    const onLayer = (_: number, h: Float32Array): void => void buffers.add(h.buffer);
    const first = s.forward([1, 2, 3, 4], { onLayer });
    for (let i = 0; i < 10; i++) expect(s.forward([5 + i], { onLayer })).toBe(first);
    expect(buffers.size).toBe(1);
    expect(s.kvBytes).toBe(2 * 4 * 2 * 2 * 64 * 8); // k and v: (layers 2, kv heads 2, ctx 64, headDim 8) f32
  });

  it('session: default context is the trained one capped at 4096; bad options are refused', () => {
    const m = loadModel(testModel({ ...SPEC, contextLength: 100_000 }).file);
    expect(m.createSession().contextLength).toBe(4096);
    expect(loadModel(testModel(SPEC).file).createSession().contextLength).toBe(256);
    expect(() => m.createSession({ contextLength: 0 })).toThrow(/contextLength/);
    expect(() => m.createSession({ maxBatch: 1.5 })).toThrow(/maxBatch/);
  });
});
