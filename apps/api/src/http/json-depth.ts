const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * True when UTF-8 JSON text nests objects and arrays more than `maxDepth` deep (`{}` is depth 1).
 * A loop over the bytes, not a parser: it runs before `JSON.parse` and before anything that walks
 * the parsed value recursively (validation, canonical JSON, class-transformer), any of which would
 * overflow the stack on a body of 500,000 `[`. Bytes of multi-byte UTF-8 characters are all above
 * 0x7f, so they are never mistaken for brackets or quotes. Malformed text is left to `JSON.parse`.
 */
export function jsonNestsDeeperThan(text: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const byte = text[index];
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
