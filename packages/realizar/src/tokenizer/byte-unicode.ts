/**
 * GPT-2's reversible byte ⇄ character mapping (`bytes_to_unicode`): byte-level BPE vocabularies
 * store every byte as a printable character, e.g. space 0x20 → `Ġ` (U+0120), newline → `Ċ`.
 * Printable Latin-1 bytes map to themselves; the other 68 bytes map to U+0100.. in byte order.
 */

function buildTables(): { byteToChar: string[]; charToByte: Map<number, number> } {
  const byteToChar = new Array<string>(256);
  const charToByte = new Map<number, number>();
  const keep = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const cp = keep(b) ? b : 256 + n++;
    byteToChar[b] = String.fromCodePoint(cp);
    charToByte.set(cp, b);
  }
  return { byteToChar, charToByte };
}

const { byteToChar, charToByte } = buildTables();

/** The character standing for byte `b` (0..255). */
export function byteToUnicode(b: number): string {
  return byteToChar[b];
}

/** The byte a code point stands for, or undefined when it is not in the byte alphabet. */
export function unicodeToByte(cp: number): number | undefined {
  return charToByte.get(cp);
}

/** Byte-level encoding of UTF-8 bytes: one alphabet character per byte. */
export function bytesToUnicodeString(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += byteToChar[bytes[i]];
  return s;
}
