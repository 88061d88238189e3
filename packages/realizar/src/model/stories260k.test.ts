/**
 * The real-model oracle: Karpathy's trained stories260K (llama, GQA 8/4, head dim 8), greedy from
 * BOS for 200 steps, must give the ids llama2.c's run.c gives (fixtures/README.md), and so its
 * recorded text. Also the session contract on a real model: one-pass prefill equals token-by-token
 * decoding, sessions are independent, truncate/reset rewind, overflow is an error.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/gguf/fixtures.js';
import { openGGUF } from '../gguf/index.js';
import { ContextOverflowError, InvalidTokenError } from './errors.js';
import { type Model, loadModel } from './model.js';

const storiesPath = fixture('stories260K.gguf');
const expectedTextPath = fixture('stories260K.expected-greedy-200.txt');
const tinyRandomPath = fixture('llama-2-tiny-random.gguf');

/** fixtures/README.md: the 200 ids run.c generates after BOS. */
const EXPECTED_IDS = `
403 407 261 378 432 383 286 261 376 298 315 421 395 317 426 338 401 396 267 337
410 408 419 292 411 322 265 282 295 433 426 385 328 432 358 394 261 370 432 352
266 268 388 426 338 391 266 267 337 335 312 432 398 312 286 267 414 270 333 415
426 13 438 310 439 419 357 336 432 313 438 310 432 278 316 439 419 298 414 267
265 282 295 433 426 436 317 286 296 418 269 279 292 416 439 413 409 416 327 263
415 294 267 400 426 338 336 432 313 442 391 267 337 335 364 420 268 388 432 398
359 280 303 439 413 272 417 264 312 426 436 13 438 310 286 296 418 269 279 292
416 439 413 409 416 327 263 415 294 267 400 426 338 336 432 313 442 439 423 262
304 420 422 432 317 426 359 279 292 416 439 413 409 416 327 263 415 294 267 400
426 436 13 438 310 279 292 416 439 413 391 267 281 421 427 311 357 432 384 358`
  .trim()
  .split(/\s+/)
  .map(Number);

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** run.c's greedy loop: forward one token per step, the argmax becomes the next token. */
function greedy(model: Model, steps: number): number[] {
  const s = model.createSession();
  const out: number[] = [];
  let tok = 1; // BOS
  for (let i = 0; i < steps; i++) {
    tok = argmax(s.forward([tok]));
    out.push(tok);
  }
  return out;
}

/** Test-only SentencePiece decode as run.c does it (▁ → space, <0xNN> → byte, no space right after BOS). */
function decode(vocab: readonly string[], ids: readonly number[]): string {
  let prev = 1;
  let text = '';
  for (const id of ids) {
    let piece = vocab[id];
    if (prev === 1 && piece.startsWith('▁')) piece = piece.slice(1);
    const byte = /^<0x([0-9A-F]{2})>$/.exec(piece);
    text += byte ? String.fromCharCode(parseInt(byte[1], 16)) : piece.replaceAll('▁', ' ');
    prev = id;
  }
  return text;
}

const relDiff = (a: Float32Array, b: Float32Array): number => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
};

describe.skipIf(!storiesPath)('stories260K (llama oracle)', () => {
  const file = storiesPath ? openGGUF(storiesPath) : undefined;
  const model = file ? loadModel(file) : undefined;

  it('stories260K: greedy decode from BOS for 200 steps gives run.c\'s 200 ids and text [F-MODEL-1]', () => {
    const t0 = performance.now();
    const ids = greedy(model!, 200);
    const ms = performance.now() - t0;
    console.log(`stories260K greedy: 200 tokens in ${ms.toFixed(0)} ms (${((200 * 1000) / ms).toFixed(0)} tok/s, ref backend)`);
    expect(ids).toEqual(EXPECTED_IDS);
    if (expectedTextPath) {
      const vocab = file!.getStringArray('tokenizer.ggml.tokens');
      expect(decode(vocab, ids)).toBe(readFileSync(expectedTextPath, 'latin1'));
    }
  });

  it('stories260K: config comes from metadata, weights are views of the file (no copies)', () => {
    const c = model!.config;
    expect(c).toMatchObject({ arch: 'llama', dim: 64, nLayers: 5, nHeads: 8, nKvHeads: 4, headDim: 8, ffnDim: 172, vocabSize: 512 });
    expect(c.rope).toMatchObject({ mode: 'normal', nRot: 8, freqBase: 10_000, freqScale: 1, scaling: 'none' });
    expect(c.tiedEmbeddings).toBe(false);
    const w = model!.weights;
    for (const t of [w.tokenEmbd, w.output, w.layers[4].wq, w.layers[0].wDown]) expect(t.data.buffer).toBe(file!.bytes.buffer);
    expect(w.layers[2].attnNorm.buffer).toBe(file!.bytes.buffer);
  });

  it('session: a prompt prefilled in one pass gives the logits of token-by-token decoding (rel 1e-4) [F-MODEL-2]', () => {
    const prompt = [1, ...EXPECTED_IDS.slice(0, 40)];
    const a = model!.createSession();
    const all = a.forward(prompt, { allLogits: true });
    expect(a.position).toBe(prompt.length);
    const b = model!.createSession();
    const vocab = model!.config.vocabSize;
    for (let i = 0; i < prompt.length; i++) {
      const one = b.forward([prompt[i]]);
      expect(relDiff(all.subarray(i * vocab, (i + 1) * vocab), one)).toBeLessThan(1e-4);
    }
    // Last-token logits of a batched prefill, and of prefills split into passes of maxBatch.
    const last = b.forward([5]).slice();
    for (const maxBatch of [512, 7, 1]) {
      const c = model!.createSession({ maxBatch });
      expect(relDiff(c.forward([...prompt, 5]), last)).toBeLessThan(1e-4);
    }
  });

  it('session: two sessions are independent, truncate rewinds, reset restarts [F-MODEL-3]', () => {
    const a = model!.createSession();
    const b = model!.createSession();
    const ref = model!.createSession().forward([1, 403, 407]).slice();
    a.forward([1, 403]);
    b.forward([1, 99, 98, 97, 96]); // interleaved work on another sequence
    expect(a.forward([407])).toEqual(ref);
    expect(b.position).toBe(5);
    // Rewind b to after BOS and continue as a did: same logits as a fresh run.
    b.truncate(1);
    expect(b.position).toBe(1);
    expect(b.forward([403, 407])).toEqual(ref);
    b.reset();
    expect(b.position).toBe(0);
    expect(b.forward([1, 403, 407])).toEqual(ref);
    expect(() => b.truncate(4)).toThrow(/0\.\.3/);
  });

  it('session: overflowing the context throws ContextOverflowError naming position, tokens and length [F-MODEL-4]', () => {
    const s = model!.createSession({ contextLength: 8 });
    s.forward([1, 2, 3, 4, 5]);
    const err = (() => {
      try {
        s.forward([6, 7, 8, 9]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect(err).toMatchObject({ position: 5, nTokens: 4, contextLength: 8 });
    expect((err as Error).message).toMatch(/4 token\(s\) at position 5 .* context length is 8/);
    expect(s.position).toBe(5); // nothing was computed
    s.forward([6, 7, 8]);
    expect(() => s.forward([1])).toThrow(ContextOverflowError);
    expect(() => model!.createSession().forward([512])).toThrow(InvalidTokenError);
    expect(() => model!.createSession().forward([])).toThrow(/at least one token/);
  });

  it('session: onLayer sees every layer\'s hidden state (nTok, dim), finite', () => {
    const seen: number[] = [];
    model!.createSession().forward([1, 403, 407], {
      onLayer: (l, h) => {
        seen.push(l);
        expect(h.length).toBe(3 * 64);
        expect(h.every(Number.isFinite)).toBe(true);
      },
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });
});

describe.skipIf(!tinyRandomPath)('llama-2-tiny-random (F16, head dim 4)', () => {
  it('llama-2-tiny-random: loads F16 weights and runs to finite logits over its 32000-token vocab', () => {
    const model = loadModel(openGGUF(tinyRandomPath!));
    expect(model.config).toMatchObject({ dim: 8, nLayers: 1, nHeads: 2, nKvHeads: 2, headDim: 4, vocabSize: 32_000 });
    const s = model.createSession({ contextLength: 64 });
    const prefill = s.forward([1, 450, 4996, 17354], { allLogits: true });
    expect(prefill.length).toBe(4 * 32_000);
    expect(prefill.every(Number.isFinite)).toBe(true);
    for (let i = 0; i < 5; i++) expect(s.forward([argmax(s.forward([100 + i]))]).every(Number.isFinite)).toBe(true);
  });
});
