/**
 * Small pure helpers shared by the tokenizers: kernel symbol normalisation
 * and timestamps as integer nanoseconds (DOMAIN.md §6.1).
 */

/**
 * Normalises a kernel symbol as printed by ftrace to the name the mapping
 * table uses: drops a ` [module]` suffix, a `+0x1f/0x80` offset
 * (`sym-offset` option) and compiler-clone suffixes `.isra.N`,
 * `.constprop.N`, `.part.N`, `.cold` (seed 000 prints
 * `btrfs_relocate_chunk.isra.29`, `assfail.constprop.50`).
 */
export function normalizeName(raw: string): string {
  let name = raw;
  // `btrfs_end_transaction [btrfs]`
  const sp = name.indexOf(" ");
  if (sp >= 0) name = name.slice(0, sp);
  const plus = name.indexOf("+0x");
  if (plus > 0) name = name.slice(0, plus);
  // Fast path: most symbols carry no clone suffix.
  if (name.indexOf(".") > 0) name = name.replace(CLONE_SUFFIX, "");
  return name;
}

// Repeated clone suffixes in any order: `foo.constprop.0.isra.0`, `foo.cold`, `foo.part.3`.
const CLONE_SUFFIX = /(?:\.(?:isra|constprop|part|lto_priv|llvm)\.\d+|\.cold(?:\.\d+)?)+$/;

/**
 * Parses an ftrace timestamp `281.693063` (seconds with a fraction of up to
 * nine digits) into integer nanoseconds, digit by digit: never through a
 * float, which cannot hold 64-bit nanosecond counts. A timestamp without a
 * dot (counter clocks) is taken as a raw count. Returns null if malformed.
 */
export function parseTimestampNs(text: string): bigint | null {
  if (!isTimestamp(text)) return null;
  const dot = text.indexOf(".");
  // Pad the fraction to nine digits (µs → ns) and read both parts as one integer.
  return BigInt(dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1) + ZEROS[9 - (text.length - dot - 1)]);
}

/** Whether `text` is a timestamp `parseTimestampNs` reads. */
export function isTimestamp(text: string): boolean {
  const dot = text.indexOf(".");
  if (dot < 0) return text.length > 0 && allDigits(text, 0, text.length);
  const fracLength = text.length - dot - 1;
  return dot > 0 && fracLength > 0 && fracLength <= 9 && allDigits(text, 0, dot) && allDigits(text, dot + 1, text.length);
}

const ZEROS = ["", "0", "00", "000", "0000", "00000", "000000", "0000000", "00000000", "000000000"];

function allDigits(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `text` shortened for an error message. */
export function excerpt(text: string, max = 120): string {
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f]/g, "?");
  return clean.length <= max ? clean : `${clean.slice(0, max)}…`;
}

/** U+FFFD, what the UTF-8 decoder puts in place of bytes that are not UTF-8. */
export const REPLACEMENT = "\uFFFD";
