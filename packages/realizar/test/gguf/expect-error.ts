/** Assertion helper: `fn` throws an instance of `cls` whose message contains every fragment. */
import { expect } from 'vitest';
import { GGUFError } from '../../src/gguf/index.js';

export function expectGGUFError<E extends GGUFError>(
  fn: () => unknown,
  cls: abstract new (...args: never[]) => E,
  ...fragments: Array<string | RegExp>
): E {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error to be thrown').toBeInstanceOf(cls);
  const err = caught as E;
  expect(err).toBeInstanceOf(GGUFError);
  for (const f of fragments) {
    if (typeof f === 'string') expect(err.message).toContain(f);
    else expect(err.message).toMatch(f);
  }
  return err;
}

/** Async variant for writers. */
export async function expectGGUFErrorAsync<E extends GGUFError>(
  fn: () => Promise<unknown>,
  cls: abstract new (...args: never[]) => E,
  ...fragments: Array<string | RegExp>
): Promise<E> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  return expectGGUFError(() => {
    if (caught) throw caught;
  }, cls, ...fragments);
}
