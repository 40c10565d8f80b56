/**
 * Tracepoint field reading (DOMAIN.md §6.1 "Tracepoint fields"), pure.
 *
 * A btrfs tracepoint body is an optional fsid prefix followed by
 * `key=value` (≥4.8) or `key = value,` (3.16–4.1) pairs. Values are the token
 * up to `,` or space; `N(NAME)` and `N(A|B)` read as N; btrfs__chunk prints
 * `type=METADATA|DUP` as names only, which read as the OR of their bits.
 * Bare words and `word: N` fragments are ignored, as are unknown keys.
 */
import { BLOCK_GROUP_FLAGS } from "../events/types.ts";

export interface TracepointFields {
  /** The fsid printed before the fields (`%pU: `), lower case; null before 4.8. */
  readonly fsid: string | null;
  /** Raw value tokens by key (first occurrence wins). */
  readonly values: ReadonlyMap<string, string>;
}

// `ee24aaec-78d8-4bb8-a596-09a234d3cdd9: root=3(CHUNK_TREE) offset=30408704 …`: the fsid, then `key=value`
// pairs or, in 4.1, `key = value,`. A hand-written scan, the hot path of an import: it reads as the
// regexes `^(UUID):\s*` and `([A-Za-z_][A-Za-z0-9_]*)\s?=\s?([^\s,]*)` (global) would (test/ftrace/fields.test.ts).

/** The last fsid read, as printed and in lower case: a log prints one fsid on every line. */
let lastFsid = { printed: "", lower: "" };

export function parseTracepointFields(body: string): TracepointFields {
  let at = 0;
  let fsid: string | null = null;
  if (isFsidAt(body)) {
    fsid = body.startsWith(lastFsid.printed) && lastFsid.printed !== "" ? lastFsid.lower : null;
    if (fsid === null) {
      const printed = body.slice(0, 36);
      lastFsid = { printed, lower: printed.toLowerCase() };
      fsid = lastFsid.lower;
    }
    at = 37;
    while (at < body.length && isSpace(body.charCodeAt(at))) at++;
  }
  const values = new Map<string, string>();
  const n = body.length;
  while (at < n) {
    if (!isKeyStart(body.charCodeAt(at))) {
      at++;
      continue;
    }
    const keyStart = at;
    while (at < n && isKeyChar(body.charCodeAt(at))) at++;
    const keyEnd = at;
    // \s?=\s?
    let p = keyEnd;
    if (p < n && body.charCodeAt(p) !== EQ && isSpace(body.charCodeAt(p))) p++;
    if (p >= n || body.charCodeAt(p) !== EQ) continue; // no pair here; scanning on from the key's end reads the same
    p++;
    if (p < n && isSpace(body.charCodeAt(p))) p++;
    const valueStart = p;
    while (p < n && !isSpace(body.charCodeAt(p)) && body.charCodeAt(p) !== COMMA) p++;
    const key = body.slice(keyStart, keyEnd);
    if (!values.has(key)) values.set(key, body.slice(valueStart, p));
    at = p;
  }
  return { fsid, values };
}

const EQ = 61;
const COMMA = 44;

/** `body` starts with a UUID and a colon. */
function isFsidAt(body: string): boolean {
  if (body.length < 37 || body.charCodeAt(36) !== 58) return false;
  for (let i = 0; i < 36; i++) {
    const c = body.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isHex(c)) return false;
  }
  return true;
}

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isKeyStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isKeyChar = (c: number): boolean => isKeyStart(c) || (c >= 48 && c <= 57);

/** JavaScript's `\s`. */
function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 160) return false;
  return c === 160 || c === 5760 || (c >= 8192 && c <= 8202) || c === 8232 || c === 8233 || c === 8239 || c === 8287 || c === 12288 || c === 65279;
}

const FLAG_BITS: ReadonlyMap<string, number> = new Map(Object.entries(BLOCK_GROUP_FLAGS));

const U64_LIMIT = 1n << 64n;

/** A u64 value token: `30408704`, `3(CHUNK_TREE)` → 3n. Null if not a number. */
export function readU64(token: string): bigint | null {
  const digits = leadingNumber(token);
  if (digits === null) return null;
  const n = BigInt(digits);
  return n < U64_LIMIT ? n : null;
}

/** A small integer value token (devid, gen, num_stripes). Null if not a safe integer. */
export function readInt(token: string): number | null {
  const digits = leadingNumber(token);
  if (digits === null) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Block group flags: `20(METADATA|RAID1)` → 20; `METADATA|DUP` → 36;
 * `DATA` → 1; `0x14` → 20. Null if a name is unknown or the token is empty.
 */
export function readFlags(token: string): number | null {
  const n = readInt(token);
  if (n !== null) return n;
  if (token === "") return null;
  let bits = 0;
  for (const name of token.split("|")) {
    const bit = FLAG_BITS.get(name);
    if (bit === undefined) return null;
    bits |= bit;
  }
  return bits;
}

// `30408704`, `20(METADATA|RAID1)`, `0x1d00000`: the number before an optional `(…)`.
const NUMBER = /^(0x[0-9a-fA-F]+|\d+)(?:\(.*\))?$/;

function leadingNumber(token: string): string | null {
  // Most tokens are plain decimals: no regex run for them.
  let i = 0;
  while (i < token.length && isDigit(token.charCodeAt(i))) i++;
  if (i > 0 && i === token.length) return token;
  const m = NUMBER.exec(token);
  return m ? m[1]! : null;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
