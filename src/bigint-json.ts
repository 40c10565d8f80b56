/**
 * Bigints in JSON, the one place racelab writes them (byte numbers outgrow
 * a double):
 * - `encodeJson`/`decodeJson`: the stored form, exact both ways. A bigint
 *   becomes `#n<decimal>`, a real string starting with `#` one more `#`.
 *   Snapshots, stored verdicts and the engine's saved state use it.
 * - `bigintReplacer`: the wire form (GraphQL, `--json`, event payloads):
 *   decimal strings, read back by whoever knows the field is a bigint.
 * - `jsonWithExactNumbers`: JSON text with bigints as plain numbers, for
 *   command-line reports read by tools that take big integers (jq does).
 */

export function encodeJson(v: unknown): unknown {
  if (typeof v === "bigint") return `#n${v.toString()}`;
  if (typeof v === "string") return v.startsWith("#") ? `#${v}` : v;
  if (Array.isArray(v)) return v.map(encodeJson);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = encodeJson(x);
    return out;
  }
  return v;
}

const HASH = 35; // "#"
const N = 110; // "n"

/** The inverse of `encodeJson`, on parsed JSON (char codes and for-in: restores decode every hot entry). */
export function decodeJson(v: unknown): unknown {
  if (typeof v === "string") {
    if (v.charCodeAt(0) !== HASH) return v;
    if (v.charCodeAt(1) === HASH) return v.slice(1);
    return v.charCodeAt(1) === N ? BigInt(v.slice(2)) : v;
  }
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map(decodeJson);
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = decodeJson((v as Record<string, unknown>)[k]);
  return out;
}

/** JSON replacer: bigints travel as decimal strings. */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** JSON text with bigints as exact JSON numbers. */
export function jsonWithExactNumbers(v: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === "bigint") {
      marks.push(x.toString());
      return `\u0000big${marks.length - 1}\u0000`;
    }
    return x;
  });
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}
