/**
 * Errors across the thread boundary. `postMessage` keeps only the message of an Error subclass
 * (its class, `name` and fields are lost), so the worker sends `{ name, message, stack, fields }`
 * and the main thread rebuilds an error of the same class when it knows the name (every error
 * class of realizar and trueno), with the same `name`, `message` and data fields, so callers can
 * keep their `instanceof` and `err.name` checks. The stack is the worker's.
 */
import { BackendArgumentError, NativeUnavailableError, UnknownBackendError } from '@sovereign/trueno';
import { ChatTemplateError } from '../chat/chat-template-error.js';
import { ChatSessionBusyError, ContextBudgetError, GenerateOptionsError } from '../engine/errors.js';
import { GGUFError, GGUFFormatError, GGUFKeyError, GGUFTruncatedError, GGUFVersionError, GGUFWriteError } from '../gguf/gguf-errors.js';
import {
  ContextOverflowError,
  InvalidTokenError,
  ModelConfigError,
  ModelError,
  ModelTensorError,
  UnsupportedArchitectureError,
} from '../model/errors.js';
import { NoFiniteLogitsError } from '../sampler/sampler.js';
import { SamplingParamsError } from '../sampler/sampling-params.js';
import { TokenIdError, TokenizerConfigError, TokenizerError } from '../tokenizer/tokenizer-errors.js';

/** An error as it crosses the thread boundary. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Own enumerable data fields (numbers, strings, booleans, null; e.g. `code`, `position`). */
  readonly fields: Readonly<Record<string, string | number | boolean | null>>;
}

/** The worker was closed (or exited) while a request was pending, or a request came after close(). */
export class ModelWorkerClosedError extends Error {
  override name = 'ModelWorkerClosedError';
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Classes rebuilt by their `name` (spelled out: a bundler may rename the class objects themselves);
 * anything else comes back as a plain Error carrying the name.
 */
const CLASSES: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ModelError', ModelError],
  ['ModelConfigError', ModelConfigError],
  ['ModelTensorError', ModelTensorError],
  ['UnsupportedArchitectureError', UnsupportedArchitectureError],
  ['ContextOverflowError', ContextOverflowError],
  ['InvalidTokenError', InvalidTokenError],
  ['ContextBudgetError', ContextBudgetError],
  ['GenerateOptionsError', GenerateOptionsError],
  ['ChatSessionBusyError', ChatSessionBusyError],
  ['ChatTemplateError', ChatTemplateError],
  ['GGUFError', GGUFError],
  ['GGUFTruncatedError', GGUFTruncatedError],
  ['GGUFFormatError', GGUFFormatError],
  ['GGUFVersionError', GGUFVersionError],
  ['GGUFKeyError', GGUFKeyError],
  ['GGUFWriteError', GGUFWriteError],
  ['TokenizerError', TokenizerError],
  ['TokenizerConfigError', TokenizerConfigError],
  ['TokenIdError', TokenIdError],
  ['SamplingParamsError', SamplingParamsError],
  ['NoFiniteLogitsError', NoFiniteLogitsError],
  ['BackendArgumentError', BackendArgumentError],
  ['UnknownBackendError', UnknownBackendError],
  ['NativeUnavailableError', NativeUnavailableError],
  ['ModelWorkerClosedError', ModelWorkerClosedError],
]);

/** Turns anything thrown into a cloneable {@link SerializedError}. */
export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: `non-Error thrown: ${String(e)}`, fields: {} };
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'name' || k === 'message' || k === 'stack') continue;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  return { name: e.name, message: e.message, ...(e.stack !== undefined ? { stack: e.stack } : {}), fields };
}

/**
 * Rebuilds the error on this thread: an instance of the class of the same name when it is one of
 * realizar's or trueno's (or a built-in), else a plain Error; `name`, `message` and the fields are
 * the worker's. No constructor runs (they take structured arguments, and their message is already
 * made), so the object is a real Error re-prototyped to the class.
 */
export function reviveError(s: SerializedError): Error {
  const e = new Error(s.message);
  const cls = CLASSES.get(s.name);
  if (cls && cls !== Error) Object.setPrototypeOf(e, cls.prototype);
  // Own property, as the classes' `override name = ...` fields are.
  Object.defineProperty(e, 'name', { value: s.name, writable: true, enumerable: true, configurable: true });
  Object.assign(e, s.fields);
  if (s.stack !== undefined) e.stack = s.stack;
  return e;
}
