/**
 * Backend selection: ref is always there, missing backends fall back to ref with a reason, and a
 * registered provider is used when its probe succeeds.
 */
import { describe, expect, it } from 'vitest';
import { RefBackend, refBackend } from './ref-backend.js';
import { UnknownBackendError, backendInfo, registerBackend, selectBackend } from './registry.js';

describe('backend registry', () => {
  it('selectBackend: default and ref give the ref backend; native/cuda fall back to ref with a reason [F-BACKEND-14]', () => {
    expect(selectBackend().backend).toBe(refBackend);
    expect(selectBackend('ref')).toMatchObject({ backend: refBackend, fellBack: false });
    const native = selectBackend('native');
    expect(native.backend.name).toBe('ref');
    expect(native.fellBack).toBe(true);
    expect(native.reason).toMatch(/native: no native backend registered/);
    expect(selectBackend('cuda').reason).toMatch(/cuda: .*trueno-gpu/);
    expect(() => selectBackend('metal')).toThrow(UnknownBackendError);
  });

  it('backendInfo: lists ref (available) and the others with why not', () => {
    const info = backendInfo();
    expect(info.map((i) => i.name)).toEqual(['ref', 'native', 'cuda']);
    expect(info[0].available).toBe(true);
    expect(info.every((i) => i.reason.length > 0)).toBe(true);
  });

  it('registerBackend: a provider whose probe passes is selected; a failing probe or create falls back', () => {
    const fake = new RefBackend();
    registerBackend({ name: 'native', probe: () => ({ available: false, reason: 'addon missing' }), create: () => fake });
    expect(selectBackend('native').reason).toMatch(/addon missing/);
    registerBackend({ name: 'native', probe: () => ({ available: true }), create: () => { throw new Error('boom'); } });
    expect(selectBackend('native')).toMatchObject({ backend: refBackend, fellBack: true });
    expect(selectBackend('native').reason).toMatch(/create failed: boom/);
    registerBackend({ name: 'native', probe: () => ({ available: true }), create: () => fake });
    expect(selectBackend('native')).toMatchObject({ backend: fake, fellBack: false });
    expect(selectBackend().backend).toBe(fake);
    expect(backendInfo()[1]).toMatchObject({ name: 'native', available: true });
  });

  it('auto never picks cuda (unverified on a GPU): it runs only when named', () => {
    const gpu = new RefBackend();
    registerBackend({ name: 'cuda', probe: () => ({ available: true }), create: () => gpu });
    expect(selectBackend().backend).not.toBe(gpu);
    expect(selectBackend('auto').backend).not.toBe(gpu);
    expect(selectBackend('cuda')).toMatchObject({ backend: gpu, fellBack: false });
  });
});
