import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeParts } from '../src/pull/part-fetch.js';
import { PartialDir, type PartialMeta, partLength, planParts } from '../src/pull/partial.js';
import { seededBytes } from '../src/testing/loopback-hub.js';
import { tempDir } from './helpers.js';

describe('partial downloads', () => {
  it('pull: planParts covers every byte exactly once, in order, within the part budget [F-PACHA-PULL-2]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e7 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 1e6 }), (size, parallel, minPart) => {
        const parts = planParts(size, parallel, minPart);
        expect(parts.length).toBeGreaterThanOrEqual(1);
        expect(parts.length).toBeLessThanOrEqual(parallel);
        expect(parts[0]!.start).toBe(0);
        for (let i = 1; i < parts.length; i++) expect(parts[i]!.start).toBe(parts[i - 1]!.end! + 1);
        expect(parts.reduce((s, p) => s + partLength(p), 0)).toBe(size);
        if (parts.length > 1) for (const p of parts.slice(0, -1)) expect(partLength(p)).toBeGreaterThanOrEqual(minPart);
      }),
    );
  });

  it('a merge interrupted half-way through appending a part resumes to the right bytes', async () => {
    const t = tempDir();
    try {
      const data = seededBytes(40, 3);
      const p = new PartialDir(join(t.dir, '.partial-x'));
      await mkdir(p.dir, { recursive: true });
      const meta: PartialMeta = { url: 'u', size: 40, digest: null, parts: planParts(40, 4, 10), mergedThrough: 1 };
      await p.save(meta);
      // part-0 already holds parts 0 and 1 plus 5 bytes of part 2 appended when the process died;
      // part-1 was deleted after its merge was recorded; parts 2 and 3 are intact.
      writeFileSync(p.partPath(0), Buffer.concat([data.subarray(0, 25)]));
      writeFileSync(p.partPath(2), data.subarray(20, 30));
      writeFileSync(p.partPath(3), data.subarray(30, 40));
      await mergeParts(p, meta);
      expect(readFileSync(p.partPath(0)).equals(data)).toBe(true);
      expect(meta.mergedThrough).toBe(3);
    } finally {
      t.cleanup();
    }
  });

  it('a part file longer than its range is cut back; a different file restarts from zero', async () => {
    const t = tempDir();
    try {
      const p = new PartialDir(join(t.dir, '.partial-y'));
      await p.reset({ url: 'u', size: 20, digest: 'sha256:' + '0'.repeat(64), parts: planParts(20, 2, 10) });
      writeFileSync(p.partPath(0), Buffer.alloc(15));
      expect(await p.have(0, { start: 0, end: 9 })).toBe(10);
      expect(readFileSync(p.partPath(0)).length).toBe(10);
      expect(await p.load({ size: 20, digest: 'sha256:' + '0'.repeat(64) })).toBeDefined();
      expect(await p.load({ size: 21, digest: 'sha256:' + '0'.repeat(64) })).toBeUndefined();
    } finally {
      t.cleanup();
    }
  });
});
