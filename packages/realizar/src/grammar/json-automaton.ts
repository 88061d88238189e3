/**
 * A byte-level pushdown automaton for JSON documents of a {@link SchemaNode}: the parser state is a
 * persistent (immutable, shared-tail) stack of frames, so the mask walk can branch on every byte of
 * the token trie without copying. `anyOf` makes the automaton nondeterministic: a state is a list
 * of stacks (their tops), usually one.
 *
 * Whitespace between tokens is limited to {@link MAX_WHITESPACE} bytes per gap, and numbers to a
 * bounded number of digits, so that every reachable state has a completion and the model cannot
 * spin forever in whitespace or digits. Strings must be valid UTF-8 and may not contain `\u`
 * escapes of surrogates (no lone surrogates; astral characters are written as raw UTF-8).
 */
import type { ArrayNode, LiteralNode, ObjectNode, SchemaNode } from './json-schema-compile.js';

/** Most consecutive whitespace bytes allowed in one gap between JSON tokens (1 newline + 11 spaces of indent). */
export const MAX_WHITESPACE = 12;
const MAX_INT_DIGITS = 21;
const MAX_FRAC_DIGITS = 24;
const MAX_EXP_DIGITS = 3;

// Frame kinds.
const DOC = 0;
const VALUE = 1;
const OBJ = 2;
const KEY = 3;
const ARR = 4;
const STR = 5;
const NUM = 6;
const LIT = 7;

// OBJ / ARR states.
const OPEN = 0;
const COLON = 1;
const VAL = 2;
const AFTER = 3;
const COMMA = 4;

/** One parser frame; `up` is the frame below it (null for the document frame). */
export interface Frame {
  readonly k: number;
  readonly up: Frame | null;
  readonly node: SchemaNode | null;
  /** OBJ/ARR/DOC/NUM sub-state; STR/KEY: string lexer state (see {@link lexStep}). */
  readonly st: number;
  /** Whitespace bytes in the current gap (VALUE/OBJ/ARR); NUM: digits in the current part; KEY/LIT: bytes matched. */
  readonly n: number;
  /** OBJ: bit mask of declared properties already present; ARR: items so far (capped). */
  readonly seen: number;
  /** OBJ: index of the property whose value is being parsed (-1: an additional property). */
  readonly cur: number;
  /** KEY: indices of declared names still matching; LIT: indices of literal texts still matching. */
  readonly cands: readonly number[] | null;
}

const ANY: SchemaNode = { t: 'any', id: -1 };
/** The node of `json_object` mode and of objects inside `any`: any keys, any values. */
export const ANY_OBJECT: ObjectNode = { t: 'object', id: -2, names: [], values: [], requiredMask: 0, additional: ANY };
const ANY_ARRAY: ArrayNode = { t: 'array', id: -3, items: ANY, minItems: 0, maxItems: Infinity };
const ANY_LITERALS: LiteralNode = { t: 'literal', id: -4, texts: ['true', 'false', 'null'].map((s) => new TextEncoder().encode(s)) };

function frame(k: number, up: Frame | null, node: SchemaNode | null, st: number, n = 0, seen = 0, cur = -1, cands: readonly number[] | null = null): Frame {
  return { k, up, node, st, n, seen, cur, cands };
}

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d;
}

/** The initial state: a document whose single value is `root`, leading whitespace allowed. */
export function initialState(root: SchemaNode): Frame[] {
  return [frame(VALUE, frame(DOC, null, null, 0), root, 0)];
}

// ---- string lexer -------------------------------------------------------------------------
// States: 0 plain; 1 after '\'; 2..5 at \u hex digit 1..4; 6 second hex digit after 'd' (must be
// 0-7: no surrogates); 10/11/12 need 1/2/3 UTF-8 continuation bytes (80..BF); 13 after E0 (A0..BF);
// 14 after ED (80..9F, no surrogates); 15 after F0 (90..BF); 16 after F4 (80..8F, <= U+10FFFF).
// Results: a state, -1 invalid, -2 the closing quote.
const LEX_STATES = 17;

function buildLex(escapes: boolean): Int8Array {
  const t = new Int8Array(LEX_STATES * 256).fill(-1);
  const hex = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
  for (let b = 0; b < 256; b++) {
    let p = -1;
    if (b === 0x22) p = -2;
    else if (b === 0x5c) p = escapes ? 1 : -1;
    else if (b >= 0x20 && b < 0x80) p = 0;
    else if (b >= 0xc2 && b <= 0xdf) p = 10;
    else if (b === 0xe0) p = 13;
    else if (b === 0xed) p = 14;
    else if (b >= 0xe1 && b <= 0xef) p = 11;
    else if (b === 0xf0) p = 15;
    else if (b >= 0xf1 && b <= 0xf3) p = 12;
    else if (b === 0xf4) p = 16;
    t[b] = p;
    if ('"\\/bfnrt'.includes(String.fromCharCode(b))) t[256 + b] = 0;
    if (b === 0x75) t[256 + b] = 2;
    if (hex(b)) {
      t[2 * 256 + b] = b === 0x64 || b === 0x44 ? 6 : 3;
      t[3 * 256 + b] = 4;
      t[4 * 256 + b] = 5;
      t[5 * 256 + b] = 0;
    }
    if (b >= 0x30 && b <= 0x37) t[6 * 256 + b] = 4;
    if (b >= 0x80 && b <= 0xbf) {
      t[10 * 256 + b] = 0;
      t[11 * 256 + b] = 10;
      t[12 * 256 + b] = 11;
    }
    if (b >= 0xa0 && b <= 0xbf) t[13 * 256 + b] = 10;
    if (b >= 0x80 && b <= 0x9f) t[14 * 256 + b] = 10;
    if (b >= 0x90 && b <= 0xbf) t[15 * 256 + b] = 11;
    if (b >= 0x80 && b <= 0x8f) t[16 * 256 + b] = 11;
  }
  return t;
}

const LEX_ESC = buildLex(true);
const LEX_NOESC = buildLex(false);

// ---- numbers ------------------------------------------------------------------------------
// 0 after '-'; 1 after a leading '0'; 2 integer digits; 3 after '.'; 4 fraction digits; 5 after
// 'e'; 6 after the exponent sign; 7 exponent digits. 1, 2, 4, 7 are complete.
function numComplete(st: number): boolean {
  return st === 1 || st === 2 || st === 4 || st === 7;
}

/** Next [state, digits] of a number, or null. */
function numStep(st: number, n: number, b: number, integer: boolean): [number, number] | null {
  const digit = b >= 0x30 && b <= 0x39;
  const frac = !integer && (st === 1 || st === 2);
  const exp = !integer && (st === 1 || st === 2 || st === 4);
  if (b === 0x2e && frac) return [3, 0];
  if ((b === 0x65 || b === 0x45) && exp) return [5, 0];
  switch (st) {
    case 0:
      return b === 0x30 ? [1, 1] : digit ? [2, 1] : null;
    case 2:
      return digit && n < MAX_INT_DIGITS ? [2, n + 1] : null;
    case 3:
      return digit ? [4, 1] : null;
    case 4:
      return digit && n < MAX_FRAC_DIGITS ? [4, n + 1] : null;
    case 5:
      return b === 0x2b || b === 0x2d ? [6, 0] : digit ? [7, 1] : null;
    case 6:
      return digit ? [7, 1] : null;
    case 7:
      return digit && n < MAX_EXP_DIGITS ? [7, n + 1] : null;
    default:
      return null;
  }
}

// ---- the automaton ------------------------------------------------------------------------

/** The frame below a value after that value completed. */
function valueDone(up: Frame): Frame {
  switch (up.k) {
    case DOC:
      return frame(DOC, null, null, 1);
    case OBJ:
      return frame(OBJ, up.up, up.node, AFTER, 0, up.cur >= 0 ? up.seen | (1 << up.cur) : up.seen);
    default: {
      // ARR: the count only matters up to max(minItems, maxItems), so it is capped there to keep
      // states (and the mask cache keys) repeating.
      const a = up.node as ArrayNode;
      const cap = a.maxItems === Infinity ? a.minItems : a.maxItems;
      return frame(ARR, up.up, a, AFTER, 0, Math.min(up.seen + 1, cap));
    }
  }
}

function canAddKey(f: Frame): boolean {
  const o = f.node as ObjectNode;
  return o.additional !== null || (f.seen ^ ((1 << o.names.length) - 1)) !== 0;
}

function keyFrame(obj: Frame): Frame {
  const o = obj.node as ObjectNode;
  const cands: number[] = [];
  // Without additional properties, already present names are no longer candidates; with them,
  // present names stay so that typing one again is recognised (and refused) at the closing quote.
  for (let i = 0; i < o.names.length; i++) if (o.additional !== null || !(obj.seen & (1 << i))) cands.push(i);
  return frame(KEY, obj, o, o.additional !== null ? 0 : -1, 0, 0, -1, cands);
}

function startValue(node: SchemaNode, up: Frame, b: number, out: Frame[], depth: number): void {
  switch (node.t) {
    case 'any':
      if (b === 0x7b) out.push(frame(OBJ, up, ANY_OBJECT, OPEN));
      else if (b === 0x5b) out.push(frame(ARR, up, ANY_ARRAY, OPEN));
      else if (b === 0x22) out.push(frame(STR, up, null, 0));
      else if (b === 0x2d || (b >= 0x30 && b <= 0x39)) startNumber(up, b, false, out);
      else startLiteral(ANY_LITERALS, up, b, out);
      return;
    case 'object':
      if (b === 0x7b) out.push(frame(OBJ, up, node, OPEN));
      return;
    case 'array':
      if (b === 0x5b) out.push(frame(ARR, up, node, OPEN));
      return;
    case 'string':
      if (b === 0x22) out.push(frame(STR, up, null, 0));
      return;
    case 'number':
      startNumber(up, b, node.integer, out);
      return;
    case 'literal':
      startLiteral(node, up, b, out);
      return;
    case 'anyOf':
      // Recursion guard against a $ref cycle with no token in between (it could never finish).
      if (depth < 32) for (const br of node.branches) startValue(br, up, b, out, depth + 1);
      return;
  }
}

function startNumber(up: Frame, b: number, integer: boolean, out: Frame[]): void {
  const node: SchemaNode = integer ? INTEGER : NUMBER;
  if (b === 0x2d) out.push(frame(NUM, up, node, 0));
  else if (b === 0x30) out.push(frame(NUM, up, node, 1, 1));
  else if (b >= 0x31 && b <= 0x39) out.push(frame(NUM, up, node, 2, 1));
}
const NUMBER: SchemaNode = { t: 'number', id: -5, integer: false };
const INTEGER: SchemaNode = { t: 'number', id: -6, integer: true };

function startLiteral(node: LiteralNode, up: Frame, b: number, out: Frame[]): void {
  const cands: number[] = [];
  for (let i = 0; i < node.texts.length; i++) if (node.texts[i][0] === b) cands.push(i);
  if (cands.length > 0) out.push(frame(LIT, up, node, 0, 1, 0, -1, cands));
}

/** Appends to `out` every stack that `f` becomes after byte `b` (none when `b` is invalid there). */
export function step(f: Frame, b: number, out: Frame[]): void {
  switch (f.k) {
    case DOC:
      return;
    case VALUE:
      if (isWs(b)) {
        if (f.n < MAX_WHITESPACE) out.push(frame(VALUE, f.up, f.node, 0, f.n + 1));
      } else startValue(f.node!, f.up!, b, out, 0);
      return;
    case OBJ:
      return stepObject(f, b, out);
    case KEY:
      return stepKey(f, b, out);
    case ARR:
      return stepArray(f, b, out);
    case STR: {
      const s = LEX_ESC[f.st * 256 + b];
      if (s === -2) out.push(valueDone(f.up!));
      else if (s === f.st) out.push(f);
      else if (s >= 0) out.push(frame(STR, f.up, null, s));
      return;
    }
    case NUM: {
      const r = numStep(f.st, f.n, b, f.node === INTEGER);
      if (r) out.push(frame(NUM, f.up, f.node, r[0], r[1]));
      else if (numComplete(f.st)) step(valueDone(f.up!), b, out);
      return;
    }
    default:
      return stepLiteral(f, b, out);
  }
}

function stepObject(f: Frame, b: number, out: Frame[]): void {
  const o = f.node as ObjectNode;
  if (isWs(b)) {
    if (f.st !== VAL && f.n < MAX_WHITESPACE) out.push(frame(OBJ, f.up, o, f.st, f.n + 1, f.seen, f.cur));
    return;
  }
  switch (f.st) {
    case OPEN:
    case AFTER:
      if (b === 0x7d && (f.seen & o.requiredMask) === o.requiredMask) out.push(valueDone(f.up!));
      else if (b === 0x22 && f.st === OPEN && canAddKey(f)) out.push(keyFrame(f));
      else if (b === 0x2c && f.st === AFTER && canAddKey(f)) out.push(frame(OBJ, f.up, o, COMMA, 0, f.seen));
      return;
    case COMMA:
      if (b === 0x22) out.push(keyFrame(f));
      return;
    case COLON:
      if (b === 0x3a) {
        const obj = frame(OBJ, f.up, o, VAL, 0, f.seen, f.cur);
        out.push(frame(VALUE, obj, f.cur >= 0 ? o.values[f.cur] : o.additional, 0));
      }
      return;
  }
}

function stepKey(f: Frame, b: number, out: Frame[]): void {
  const o = f.node as ObjectNode;
  const obj = f.up!;
  const cands = f.cands!;
  const pos = f.n;
  if (b === 0x22) {
    for (const i of cands) {
      if (o.names[i].length !== pos) continue;
      // An exact declared name: its schema, unless already present (duplicate keys are refused).
      if (!(obj.seen & (1 << i))) out.push(frame(OBJ, obj.up, o, COLON, 0, obj.seen, i));
      return;
    }
  }
  const next: number[] = [];
  for (const i of cands) if (o.names[i][pos] === b) next.push(i);
  // Free keys (additional properties): plain characters only when declared names exist, so that an
  // escaped spelling can never smuggle a declared name past its schema.
  let lex = -1;
  if (f.st >= 0) lex = (o.names.length === 0 ? LEX_ESC : LEX_NOESC)[f.st * 256 + b];
  if (lex === -2) {
    out.push(frame(OBJ, obj.up, o, COLON, 0, obj.seen, -1));
    lex = -1;
  }
  if (next.length > 0 || lex >= 0) out.push(frame(KEY, obj, o, lex, pos + 1, 0, -1, next));
}

function stepArray(f: Frame, b: number, out: Frame[]): void {
  const a = f.node as ArrayNode;
  if (isWs(b)) {
    if (f.st !== VAL && f.n < MAX_WHITESPACE) out.push(frame(ARR, f.up, a, f.st, f.n + 1, f.seen));
    return;
  }
  if (b === 0x5d && f.seen >= a.minItems && (f.st === AFTER || (f.st === OPEN && a.minItems === 0))) {
    out.push(valueDone(f.up!));
    return;
  }
  if (f.seen >= a.maxItems) return;
  const item = frame(ARR, f.up, a, VAL, 0, f.seen);
  if (f.st === OPEN) startValue(a.items, item, b, out, 0);
  else if (f.st === AFTER && b === 0x2c) out.push(frame(VALUE, item, a.items, 0));
}

function stepLiteral(f: Frame, b: number, out: Frame[]): void {
  const texts = (f.node as LiteralNode).texts;
  const next: number[] = [];
  let complete = false;
  for (const i of f.cands!) {
    if (texts[i].length === f.n) complete = true;
    else if (texts[i][f.n] === b) next.push(i);
  }
  if (next.length > 0) out.push(frame(LIT, f.up, f.node, 0, f.n + 1, 0, -1, next));
  // A complete literal followed by a byte that does not continue it (numbers are not
  // self-delimiting): the byte belongs to the enclosing value.
  if (complete) step(valueDone(f.up!), b, out);
}

/** True when the bytes so far form a complete document (a top-level number may still grow). */
export function canEnd(f: Frame): boolean {
  if (f.k === DOC) return f.st === 1;
  if (f.k === NUM) return numComplete(f.st) && canEnd(valueDone(f.up!));
  if (f.k === LIT) return f.cands!.some((i) => (f.node as LiteralNode).texts[i].length === f.n) && canEnd(valueDone(f.up!));
  return false;
}

/**
 * The string lexer table of `f` and its state when `f` lexes an unconstrained string (a string value
 * or a free key with no declared names), else null: such a frame's next bytes depend only on the
 * lexer until its closing quote.
 */
export function stringLexer(f: Frame): { table: Int8Array; state: number; escapes: boolean } | null {
  if (f.k === STR) return { table: LEX_ESC, state: f.st, escapes: true };
  if (f.k === KEY && f.st >= 0 && (f.node as ObjectNode).names.length === 0) return { table: LEX_ESC, state: f.st, escapes: true };
  return null;
}

/** True when `f` is inside a string with no pending escape or UTF-8 sequence and no content constraint. */
export function isPlainString(f: Frame): boolean {
  return f.st === 0 && (f.k === STR || (f.k === KEY && f.cands!.length === 0));
}

/** A string naming the state (the stack from the top), for caching masks. */
export function stateKey(tops: readonly Frame[]): string {
  let s = '';
  for (const top of tops) {
    for (let f: Frame | null = top; f; f = f.up) {
      s += `${f.k},${f.node ? f.node.id : ''},${f.st},${f.n},${f.seen},${f.cur}`;
      if (f.cands) s += `,${f.cands.join(':')}`;
      s += ';';
    }
    s += '|';
  }
  return s;
}
