/**
 * JSON Schema (the subset OpenAI structured outputs accept) → a small tree of {@link SchemaNode}s
 * the byte-level automaton walks. Keywords that would make a generated document fail validation if
 * ignored (pattern, minLength, minimum, oneOf, ...) are rejected with {@link UnsupportedSchemaError}
 * rather than silently dropped; `format`, `title`, `description`, `default`, `examples`, `$schema`,
 * `$id`, `$comment` and `strict` are annotations and are ignored (a `format` is not enforced).
 */
import { UnsupportedSchemaError } from './grammar-errors.js';

/** Any JSON value. */
export interface AnyNode {
  readonly t: 'any';
  readonly id: number;
}
/** An object; `additional` null means no other keys (`additionalProperties: false` or absent). */
export interface ObjectNode {
  readonly t: 'object';
  readonly id: number;
  /** Property names as the bytes of their JSON string contents (escaped, without quotes). */
  readonly names: readonly Uint8Array[];
  readonly values: SchemaNode[];
  /** Bit i set when `names[i]` is required. Declared properties are limited to 31. */
  readonly requiredMask: number;
  readonly additional: SchemaNode | null;
}
export interface ArrayNode {
  readonly t: 'array';
  readonly id: number;
  items: SchemaNode;
  readonly minItems: number;
  /** Infinity when unbounded. */
  readonly maxItems: number;
}
export interface StringNode {
  readonly t: 'string';
  readonly id: number;
}
export interface NumberNode {
  readonly t: 'number';
  readonly id: number;
  readonly integer: boolean;
}
/** One of a fixed set of JSON texts (enum, const, boolean, null), each written compactly. */
export interface LiteralNode {
  readonly t: 'literal';
  readonly id: number;
  readonly texts: readonly Uint8Array[];
}
export interface AnyOfNode {
  readonly t: 'anyOf';
  readonly id: number;
  readonly branches: SchemaNode[];
}
export type SchemaNode = AnyNode | ObjectNode | ArrayNode | StringNode | NumberNode | LiteralNode | AnyOfNode;

const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', '$schema', '$id', '$comment', 'format', 'strict', 'readOnly', 'writeOnly', 'deprecated', '$defs', 'definitions', 'nullable']);
const HANDLED = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'enum', 'const', 'anyOf', '$ref']);

const enc = new TextEncoder();

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Compiles `schema` (with `$defs` / `definitions` of the root for `$ref`). */
export function compileJsonSchema(schema: unknown): SchemaNode {
  let nextId = 0;
  const refs = new Map<string, SchemaNode>();
  const root = schema;

  const compile = (s: unknown, at: string): SchemaNode => {
    if (s === true || (typeof s === 'object' && s !== null && !Array.isArray(s) && Object.keys(s).every((k) => ANNOTATIONS.has(k)))) {
      return { t: 'any', id: nextId++ };
    }
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      throw new UnsupportedSchemaError(`a schema must be an object or true (got ${JSON.stringify(s)})`, at);
    }
    const o = s as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!ANNOTATIONS.has(k) && !HANDLED.has(k)) {
        throw new UnsupportedSchemaError(`keyword '${k}' is not supported by constrained decoding (supported: ${[...HANDLED].join(', ')})`, at);
      }
    }
    if (o.$ref !== undefined) return resolveRef(o.$ref, at);
    if (o.const !== undefined) return literal([o.const as Json], at);
    if (o.enum !== undefined) {
      if (!Array.isArray(o.enum) || o.enum.length === 0) throw new UnsupportedSchemaError('enum must be a non-empty array', at);
      return literal(o.enum as Json[], at);
    }
    if (o.anyOf !== undefined) {
      if (!Array.isArray(o.anyOf) || o.anyOf.length === 0) throw new UnsupportedSchemaError('anyOf must be a non-empty array', at);
      if (o.type !== undefined) throw new UnsupportedSchemaError("'anyOf' beside 'type' is not supported; put the type inside each branch", at);
      return { t: 'anyOf', id: nextId++, branches: o.anyOf.map((b, i) => compile(b, `${at}/anyOf/${i}`)) };
    }
    const types = o.type === undefined ? undefined : Array.isArray(o.type) ? (o.type as unknown[]) : [o.type];
    if (types === undefined) {
      if (o.properties !== undefined || o.required !== undefined || o.additionalProperties !== undefined) return objectNode(o, at);
      if (o.items !== undefined) return arrayNode(o, at);
      return { t: 'any', id: nextId++ };
    }
    const nodes = types.map((t) => typed(t, o, at));
    return nodes.length === 1 ? nodes[0] : { t: 'anyOf', id: nextId++, branches: nodes };
  };

  const typed = (t: unknown, o: Record<string, unknown>, at: string): SchemaNode => {
    switch (t) {
      case 'object':
        return objectNode(o, at);
      case 'array':
        return arrayNode(o, at);
      case 'string':
        return { t: 'string', id: nextId++ };
      case 'number':
      case 'integer':
        return { t: 'number', id: nextId++, integer: t === 'integer' };
      case 'boolean':
        return literal([true, false], at);
      case 'null':
        return literal([null], at);
      default:
        throw new UnsupportedSchemaError(`unknown type ${JSON.stringify(t)}`, at);
    }
  };

  const literal = (values: Json[], at: string): LiteralNode => {
    const texts = new Map<string, Uint8Array>();
    for (const v of values) {
      const text = JSON.stringify(v);
      if (text === undefined) throw new UnsupportedSchemaError(`enum/const value ${String(v)} is not JSON`, at);
      texts.set(text, enc.encode(text));
    }
    return { t: 'literal', id: nextId++, texts: [...texts.values()] };
  };

  const objectNode = (o: Record<string, unknown>, at: string): ObjectNode => {
    const props = (o.properties ?? {}) as Record<string, unknown>;
    if (typeof props !== 'object' || props === null || Array.isArray(props)) throw new UnsupportedSchemaError('properties must be an object', at);
    const keys = Object.keys(props);
    if (keys.length > 31) throw new UnsupportedSchemaError(`at most 31 declared properties are supported (got ${keys.length})`, at);
    const required = (o.required ?? []) as unknown[];
    if (!Array.isArray(required)) throw new UnsupportedSchemaError('required must be an array of names', at);
    let requiredMask = 0;
    for (const r of required) {
      const i = keys.indexOf(r as string);
      if (i < 0) throw new UnsupportedSchemaError(`required property ${JSON.stringify(r)} is not in properties (it could never be generated)`, at);
      requiredMask |= 1 << i;
    }
    const ap = o.additionalProperties;
    const node: ObjectNode = {
      t: 'object',
      id: nextId++,
      names: keys.map((k) => enc.encode(JSON.stringify(k).slice(1, -1))),
      values: [],
      requiredMask,
      // Absent additionalProperties is treated as false: extra keys are valid JSON Schema, but
      // letting the model invent keys defeats the purpose of a schema (llama.cpp does the same).
      additional: ap === undefined || ap === false ? null : compile(ap, `${at}/additionalProperties`),
    };
    for (const k of keys) node.values.push(compile(props[k], `${at}/properties/${k}`));
    return node;
  };

  const arrayNode = (o: Record<string, unknown>, at: string): ArrayNode => {
    const minItems = o.minItems === undefined ? 0 : Number(o.minItems);
    const maxItems = o.maxItems === undefined ? Infinity : Number(o.maxItems);
    if (!Number.isInteger(minItems) || minItems < 0 || !(Number.isInteger(maxItems) || maxItems === Infinity) || maxItems < minItems) {
      throw new UnsupportedSchemaError(`minItems/maxItems must be integers with 0 <= minItems <= maxItems (got ${String(o.minItems)}, ${String(o.maxItems)})`, at);
    }
    if (Array.isArray(o.items)) throw new UnsupportedSchemaError('tuple items (an array) are not supported', at);
    const node: ArrayNode = { t: 'array', id: nextId++, items: { t: 'any', id: -1 }, minItems, maxItems };
    node.items = o.items === undefined ? { t: 'any', id: nextId++ } : compile(o.items, `${at}/items`);
    return node;
  };

  const resolveRef = (ref: unknown, at: string): SchemaNode => {
    if (typeof ref !== 'string') throw new UnsupportedSchemaError('$ref must be a string', at);
    const hit = refs.get(ref);
    if (hit) return hit;
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    const defs = m ? ((root as Record<string, unknown>)[m[1]] as Record<string, unknown> | undefined) : undefined;
    const name = m ? m[2].replaceAll('~1', '/').replaceAll('~0', '~') : '';
    if (ref === '#') return placeholder(ref, root, at);
    if (!defs || !(name in defs)) throw new UnsupportedSchemaError(`$ref ${ref} does not name an entry of the root's $defs/definitions`, at);
    return placeholder(ref, defs[name], ref);
  };

  // A recursive $ref compiles to an anyOf with one branch whose branch list is filled afterwards,
  // so that the graph can refer to itself.
  const placeholder = (ref: string, target: unknown, at: string): SchemaNode => {
    const node: AnyOfNode = { t: 'anyOf', id: nextId++, branches: [] };
    refs.set(ref, node);
    node.branches.push(compile(target, at));
    return node;
  };

  return compile(schema, '#');
}
