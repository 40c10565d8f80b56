/**
 * How people read the numbers of a trace, in every view made for them (CLI
 * text of `state`, `diff`, `events`, the demo, the classroom page): addresses
 * in hex, sizes with a binary unit (the exact byte count beside, for a
 * tooltip), timestamps as seconds.microseconds like ftrace prints them.
 * Machine forms (`--json`, GraphQL) keep exact decimal strings.
 *
 * Pure and dependency-free: the page bundles this module too (web/src imports
 * it), so the two can never drift apart.
 */

/** A u64 as bigint, a decimal (or `0x`) string, or a safe integer; null/undefined = unknown. */
export type U64Like = bigint | string | number | null | undefined;

function toBigint(v: U64Like): bigint | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : null;
  const s = v.trim();
  return /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(s) ? BigInt(s) : null;
}

/** `0xa69c00000`; `?` when unknown; text that is not a number as it is. */
export function hex(v: U64Like): string {
  const n = toBigint(v);
  if (n === null) return v === null || v === undefined ? "?" : String(v);
  return `0x${n.toString(16)}`;
}

/** Binary units, written as scenario files write sizes (`len=1M`), so what people read they can write. */
const UNITS = [
  ["T", 1n << 40n],
  ["G", 1n << 30n],
  ["M", 1n << 20n],
  ["K", 1n << 10n],
] as const;

/**
 * A byte count for people: `256M`, `16K`, `1.5G` (binary units; three
 * significant digits when not a whole number of the unit), `512` below 1K;
 * `?` when unknown. The exact count is `exactBytes`.
 */
export function size(v: U64Like): string {
  const n = toBigint(v);
  if (n === null) return v === null || v === undefined ? "?" : String(v);
  for (const [unit, base] of UNITS) {
    if (n < base) continue;
    if (n % base === 0n) return `${n / base}${unit}`;
    // Three significant digits, computed in integers (no float rounding of u64).
    const whole = n / base;
    const digits = whole >= 100n ? 0 : whole >= 10n ? 1 : 2;
    const scale = 10n ** BigInt(digits);
    const scaled = (n * scale + base / 2n) / base;
    const int = scaled / scale;
    const frac = (scaled % scale).toString().padStart(digits, "0").replace(/0+$/, "");
    return `${int}${frac ? `.${frac}` : ""}${unit}`;
  }
  return n.toString();
}

/** The exact count, for a tooltip: `268,435,456 bytes`. */
export function exactBytes(v: U64Like): string {
  const n = toBigint(v);
  if (n === null) return "unknown";
  return `${n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",")} byte${n === 1n ? "" : "s"}`;
}

/** A timestamp in ns as ftrace prints it: `13.716279` (seconds.microseconds, truncated); `?` when unknown. */
export function timestamp(ns: U64Like): string {
  const n = toBigint(ns);
  if (n === null) return "?";
  const us = n / 1000n;
  return `${us / 1_000_000n}.${(us % 1_000_000n).toString().padStart(6, "0")}`;
}

/** A span of time in ns: `850 ns`, `132 µs`, `1.532 ms`, `2.345678 s`. */
export function duration(ns: U64Like): string {
  const n = toBigint(ns);
  if (n === null) return "?";
  if (n < 1000n) return `${n} ns`;
  if (n < 1_000_000n) return `${trimmed(n, 1000n, 3)} µs`;
  if (n < 1_000_000_000n) return `${trimmed(n, 1_000_000n, 3)} ms`;
  return `${timestamp(n)} s`;
}

function trimmed(n: bigint, unit: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const scaled = (n * scale) / unit;
  const frac = (scaled % scale).toString().padStart(digits, "0").replace(/0+$/, "");
  return `${scaled / scale}${frac ? `.${frac}` : ""}`;
}

/** `0xd00000` or `13631488` → 13631488n; null when the text is not an address. */
export function parseAddress(text: string): bigint | null {
  const s = text.trim();
  if (/^0x[0-9a-f]+$/i.test(s)) return BigInt(s);
  if (/^[0-9]+$/.test(s)) return BigInt(s);
  return null;
}

/** `13.716279` (seconds, up to nanoseconds after the point) → 13716279000n ns; null otherwise. */
export function parseTimestamp(text: string): bigint | null {
  const m = /^\s*([0-9]+)\.([0-9]{1,9})\s*$/.exec(text);
  if (!m) return null;
  return BigInt(m[1]!) * 1_000_000_000n + BigInt(m[2]!.padEnd(9, "0"));
}
