/**
 * An event's payload as people read it: `bytenr=0xa69c00000 len=256M
 * flags=METADATA|RAID1`, in the number format of `units.ts`. Takes the domain
 * form (bigints) or the wire form (decimal strings), so the CLI and the
 * classroom page (which bundles this module) print events alike.
 */
import { flagNames } from "./types.ts";
import { hex, size } from "./units.ts";

/** Payload keys that hold an address. */
export const ADDRESS_KEYS: ReadonlySet<string> = new Set(["bytenr", "start", "physical", "logical"]);
/** Payload keys that hold a byte count. */
export const SIZE_KEYS: ReadonlySet<string> = new Set(["len", "used"]);
/** Payload keys that hold block group flags (type and profile). */
const FLAG_KEYS: ReadonlySet<string> = new Set(["type", "flags"]);

type U64 = bigint | string | number;
const isU64 = (v: unknown): v is U64 => typeof v === "bigint" || (typeof v === "string" && /^[0-9]+$/.test(v));

/**
 * One payload value. `names` maps an address (decimal string) to a scenario's
 * name for it (`X`), shown instead of the hex.
 */
export function valueText(key: string, v: unknown, names?: ReadonlyMap<string, string>): string {
  if (v === null || v === undefined) return "?";
  if (isU64(v) && ADDRESS_KEYS.has(key)) return names?.get(String(v)) ?? hex(v);
  if (isU64(v) && SIZE_KEYS.has(key)) return size(v);
  if (typeof v === "number" && FLAG_KEYS.has(key)) return flagNames(v).join("|") || String(v);
  if (Array.isArray(v)) {
    return v.map((s: { devid?: unknown; physical?: unknown }) => `dev${String(s.devid ?? "?")}@${valueText("physical", s.physical, names)}`).join(",") || "none";
  }
  return String(v);
}

/**
 * `key=value` for each argument; unknown ones (`null`) are left out unless
 * `unknown` is set, when they read `?` (the CLI shows them, the page's cards do not).
 */
export function payloadText(data: unknown, opts: { names?: ReadonlyMap<string, string>; unknown?: boolean } = {}): string {
  const o = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if ((v === null || v === undefined) && !opts.unknown) continue;
    parts.push(`${k}=${valueText(k, v, opts.names)}`);
  }
  return parts.join(" ");
}
