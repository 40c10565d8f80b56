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

// `ee24aaec-78d8-4bb8-a596-09a234d3cdd9: root=3(CHUNK_TREE) offset=30408704 …`
const FSID_PREFIX = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}):\s*/;

// `offset=30408704` and, in 4.1, `offset = 30408704,`: a key, `=` with optional spaces, a token.
const PAIR = /([A-Za-z_][A-Za-z0-9_]*)\s?=\s?([^\s,]*)/g;

export function parseTracepointFields(body: string): TracepointFields {
  let rest = body;
  let fsid: string | null = null;
  const m = FSID_PREFIX.exec(body);
  if (m) {
    fsid = m[1]!.toLowerCase();
    rest = body.slice(m[0].length);
  }
  const values = new Map<string, string>();
  PAIR.lastIndex = 0;
  for (let p = PAIR.exec(rest); p; p = PAIR.exec(rest)) {
    if (!values.has(p[1]!)) values.set(p[1]!, p[2]!);
  }
  return { fsid, values };
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
