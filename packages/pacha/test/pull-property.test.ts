import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PachaError } from '../src/errors.js';
import { DigestMismatchError } from '../src/pull/errors.js';
import { type PullResult, pull } from '../src/pull/pull.js';
import type { HubFault } from '../src/testing/loopback-hub.js';
import { FAST, blobDir, ggufBytes, hubAndStore } from './pull-helpers.js';

const SIZE = 60_000; // 3 parts of 20 000 bytes with minPartBytes 16 KiB
const file = ggufBytes(SIZE, 21);

const fault: fc.Arbitrary<HubFault> = fc.oneof(
  fc.record({ kind: fc.constantFrom('reset' as const, 'truncate' as const), at: fc.integer({ min: 0, max: SIZE - 1 }), request: fc.option(fc.nat(8), { nil: undefined }), times: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('stall' as const), at: fc.integer({ min: 0, max: SIZE - 1 }), ms: fc.constant(250), request: fc.nat(8) }),
  fc.record({ kind: fc.constant('status' as const), status: fc.constantFrom(429, 500, 503), retryAfter: fc.constant(0), request: fc.option(fc.nat(8), { nil: undefined }), times: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('ignore-range' as const), request: fc.option(fc.nat(8), { nil: undefined }), times: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.integer({ min: 0, max: SIZE - 1 }), request: fc.option(fc.nat(8), { nil: undefined }) }),
);

describe('pull property', () => {
  it('pull: any fault schedule that eventually lets bytes through ends with the right sha256 or a clear error and no corrupt blob [F-PACHA-PULL-1]', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fault, { maxLength: 4 }), fc.integer({ min: 1, max: 4 }), async (faults, parallel) => {
        const h = await hubAndStore({ files: { 'org/r/m.gguf': file }, faults });
        try {
          // ≤ 4 faults firing ≤ 2 times each: at most 8 failures in a row, within the 8 retries.
          const r: PullResult | Error = await pull(h.store, 'hf://org/r/m.gguf', { env: h.env, ...FAST, stallMs: 100, parallel }).catch((e: unknown) => e as Error);
          if (r instanceof Error) {
            expect(r).toBeInstanceOf(PachaError);
            // Only corrupt bytes may fail a schedule whose faults all end.
            expect(r).toBeInstanceOf(DigestMismatchError);
            expect(faults.some((f) => f.kind === 'flip')).toBe(true);
            expect(await h.store.names()).toEqual([]);
            expect(blobDir(h.home).blobs).toEqual([]);
          } else {
            expect(readFileSync(r.modelPath).equals(file)).toBe(true);
            expect(r.manifest.layers[0]!.digest).toBe(`sha256:${h.hub.sha(file)}`);
          }
          expect(blobDir(h.home).hidden).toEqual([]); // no partial state, no lock left behind
          expect((await h.store.verify()).problems).toEqual([]);
        } finally {
          await h.done();
        }
      }),
      { numRuns: Number(process.env.PULL_RUNS ?? 40) },
    );
  });
});
