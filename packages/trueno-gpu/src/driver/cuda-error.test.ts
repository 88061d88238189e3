import { describe, expect, it } from 'vitest';
import {
  CudaCaptureError,
  CudaError,
  CudaJitError,
  CudaLaunchError,
  CudaNotInitializedError,
  CudaNotSupportedError,
  CudaOutOfMemoryError,
  cudaErrorName,
  toCudaError,
} from './cuda-error.js';

function native(code: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error('x'), { cuCode: code, cuCall: 'cuSomething', ...extra });
}

describe('toCudaError', () => {
  it('picks the subclass by CUresult and keeps code, name and call', () => {
    const cases: [number, new (...a: never[]) => CudaError][] = [
      [2, CudaOutOfMemoryError],
      [218, CudaJitError],
      [222, CudaJitError],
      [700, CudaLaunchError],
      [719, CudaLaunchError],
      [3, CudaNotInitializedError],
      [100, CudaNotInitializedError],
      [801, CudaNotSupportedError],
      [901, CudaCaptureError],
      [999, CudaError],
    ];
    for (const [code, cls] of cases) {
      const e = toCudaError(native(code), 'doing it');
      expect(e, String(code)).toBeInstanceOf(cls);
      expect(e).toMatchObject({ code, name: cudaErrorName(code), call: 'cuSomething' });
      expect(e.message).toMatch(new RegExp(`^doing it: cuSomething returned ${cudaErrorName(code)}`));
    }
  });

  it('a JIT failure carries the log in the error and its message; advice can be overridden', () => {
    const e = toCudaError(native(218, { jitLog: 'line 3; error : bad\n', cuString: 'a PTX JIT compilation failed' }), 'loading', 'fix the PTX') as CudaJitError;
    expect(e.log).toBe('line 3; error : bad');
    expect(e.message).toBe('loading: cuSomething returned CUDA_ERROR_INVALID_PTX (a PTX JIT compilation failed); fix the PTX\nJIT log:\nline 3; error : bad');
  });

  it('leaves errors that are not driver failures alone', () => {
    const t = new TypeError('bytes must be a number');
    expect(toCudaError(t, 'x')).toBe(t);
    expect(cudaErrorName(12345)).toBe('CUresult 12345');
  });
});
