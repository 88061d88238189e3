/**
 * Falsification properties of JSON constraints [F-JSON-n]: random walks over a synthetic byte
 * vocabulary, sampling only allowed tokens, always end in a document that `JSON.parse`s and that
 * ajv validates against the schema; and the mask agrees token by token with the automaton itself.
 */
import Ajv from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomWalk, syntheticVocab } from './constraint-test-kit.js';
import { ConstraintViolationError, JsonConstraint, UnsupportedSchemaError, createConstraint } from './index.js';
import { MAX_WHITESPACE } from './json-automaton.js';

const vocab = syntheticVocab();
const ajv = new Ajv({ strict: false, validateFormats: false });

const SCHEMAS: Record<string, unknown> = {
  person: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      age: { type: 'integer' },
      score: { type: 'number' },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
      active: { type: 'boolean' },
    },
    required: ['name', 'age', 'tags'],
    additionalProperties: false,
  },
  enums: {
    type: 'object',
    properties: {
      color: { enum: ['red', 'green', 'blue', 'r"e\\d', 'é'] },
      n: { enum: [1, 12, 123, -1.5, null, true] },
      fixed: { const: { a: [1, 'x'], b: null } },
      nullable: { type: ['string', 'null'] },
    },
    required: ['color', 'n', 'fixed', 'nullable'],
    additionalProperties: false,
  },
  anyOfObjects: {
    anyOf: [
      { type: 'object', properties: { kind: { const: 'circle' }, r: { type: 'number' } }, required: ['kind', 'r'], additionalProperties: false },
      { type: 'object', properties: { kind: { const: 'rect' }, w: { type: 'number' }, h: { type: 'number' } }, required: ['kind', 'w', 'h'], additionalProperties: false },
    ],
  },
  recursive: {
    $defs: {
      node: {
        type: 'object',
        properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 2 } },
        required: ['value', 'children'],
        additionalProperties: false,
      },
    },
    $ref: '#/$defs/node',
  },
  arrayBounds: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 4 },
  additional: {
    type: 'object',
    properties: { id: { type: 'string' } },
    required: ['id'],
    additionalProperties: { type: 'number' },
  },
  topNumber: { type: 'number' },
  topString: { type: 'string', format: 'date-time' },
  anything: {},
};

describe('JSON constraints on a synthetic vocabulary', () => {
  it('json_object: random walks end in a JSON object that parses [F-JSON-1]', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 60 }), (seed, budget) => {
        const r = randomWalk(createConstraint({ kind: 'json_object' }, vocab) as JsonConstraint, vocab, seed, budget);
        expect(r.completed).toBe(true);
        const v: unknown = JSON.parse(r.text);
        expect(typeof v === 'object' && v !== null && !Array.isArray(v)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('json_schema: random walks end in a document that validates against the schema [F-JSON-2]', () => {
    const names = Object.keys(SCHEMAS);
    const validators = new Map(names.map((n) => [n, ajv.compile(SCHEMAS[n] as object)]));
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.nat(), fc.integer({ min: 0, max: 80 }), (name, seed, budget) => {
        const r = randomWalk(createConstraint({ kind: 'json_schema', schema: SCHEMAS[name] }, vocab) as JsonConstraint, vocab, seed, budget);
        expect(r.completed).toBe(true);
        const validate = validators.get(name)!;
        const v: unknown = JSON.parse(r.text);
        if (!validate(v)) throw new Error(`${name}: ${r.text} fails: ${ajv.errorsText(validate.errors)}`);
      }),
      { numRuns: 120 },
    );
  });

  it('the mask allows exactly the tokens the automaton accepts, EOG only when complete [F-JSON-3]', () => {
    const names = Object.keys(SCHEMAS);
    fc.assert(
      fc.property(fc.constantFrom('json_object', ...names), fc.nat(), fc.integer({ min: 0, max: 40 }), (name, seed, budget) => {
        const spec = name === 'json_object' ? ({ kind: 'json_object' } as const) : ({ kind: 'json_schema', schema: SCHEMAS[name] } as const);
        const c = createConstraint(spec, vocab) as JsonConstraint;
        randomWalk(c, vocab, seed, budget, 4000, (mask) => {
          for (let id = 0; id < vocab.size; id++) {
            const expected = id === vocab.eogId ? c.done() : id === vocab.specialId ? false : c.wouldAccept(vocab.bytes(id));
            if ((mask[id] === 1) !== expected) throw new Error(`${name}: token ${id} mask ${mask[id]} but automaton says ${expected}`);
          }
        });
      }),
      { numRuns: 60 },
    );
  });

  it('a prefix is accepted exactly when it is a prefix of some valid document (checked on JSON texts) [F-JSON-4]', () => {
    // Every prefix of a valid compact document is accepted; appending a byte that makes it invalid
    // JSON (checked by completing it never parsing) is refused: here, a second value after the end.
    const enc = new TextEncoder();
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), (obj) => {
        const text = JSON.stringify(obj);
        const c = createConstraint({ kind: 'json_object' }, vocab) as JsonConstraint;
        const bytes = enc.encode(text);
        for (const b of bytes) c.accept(b);
        expect(c.done()).toBe(true);
        expect(c.wouldAccept(enc.encode(' '))).toBe(false);
        expect(c.wouldAccept(enc.encode('{'))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('limits whitespace per gap and refuses tokens outside the mask', () => {
    const c = createConstraint({ kind: 'json_object' }, vocab);
    for (let i = 0; i < MAX_WHITESPACE; i++) c.accept(0x20);
    const mask = new Uint8Array(vocab.size);
    c.allowed(mask);
    expect(mask[0x20]).toBe(0);
    expect(mask[0x7b]).toBe(1);
    expect(mask[0x5b]).toBe(0);
    expect(mask[vocab.eogId]).toBe(0);
    expect(() => c.accept(0x20)).toThrow(ConstraintViolationError);
    expect(() => c.accept(vocab.specialId)).toThrow(ConstraintViolationError);
    expect(() => c.accept(vocab.eogId)).toThrow(ConstraintViolationError);
  });

  it('rejects schema keywords it cannot enforce', () => {
    expect(() => createConstraint({ kind: 'json_schema', schema: { type: 'string', pattern: '^a' } }, vocab)).toThrow(UnsupportedSchemaError);
    expect(() => createConstraint({ kind: 'json_schema', schema: { type: 'object', required: ['x'] } }, vocab)).toThrow(/not in properties/);
    expect(() => createConstraint({ kind: 'json_schema', schema: { $ref: '#/$defs/missing' } }, vocab)).toThrow(/\$defs/);
  });
});
