/**
 * State changes as people read them, one field per line: the path with its
 * addresses in hex (`blockGroups[0xa69c00000].ro`), the value before and
 * after in the number format of `events/units.ts`. An entry that appears or
 * disappears (a block group created, an extent map dropped) is listed field
 * by field. Used by `racelab diff` and by the classroom page's diff panel
 * (which bundles this module), so both say the same thing.
 *
 * Input is the machine form (`StateChange`: exact decimal strings), never
 * changed here.
 */
import { exactBytes, hex, size } from "../events/units.ts";

export interface FieldChange {
  /** e.g. `blockGroups[0xa69c00000].ro`. */
  readonly path: string;
  /** The field's name (last part of the path), e.g. `ro`, `used`. */
  readonly field: string;
  readonly before: string;
  readonly after: string;
  /** Exact byte counts of a size field (for a tooltip), else null. */
  readonly exact: { readonly before: string | null; readonly after: string | null } | null;
}

/** Fields that hold a logical or physical address (u64 decimal strings). */
const ADDRESS_FIELDS = new Set(["start", "physical", "end", "chunk", "offset", "bytenr", "blockGroup", "dirtyBlockGroups", "pinnedChunks", "blockGroups"]);
/** Fields that hold a byte count. */
const SIZE_FIELDS = new Set(["length", "len", "used", "reserved", "bytes"]);
/** Fields that hold flag names (`["METADATA", "RAID1"]` reads `METADATA|RAID1`). */
const FLAG_FIELDS = new Set(["flags", "type"]);
/** Collections whose `[key]` is an address (`devExtents` keys are `devid:physical`). */
const ADDRESS_KEYED = new Set(["blockGroups", "extentMaps"]);

const isDecimal = (v: unknown): v is string => typeof v === "string" && /^[0-9]+$/.test(v);

/** Names people gave addresses (a scenario's `let X = …`): decimal address → name. */
export type AddressNames = ReadonlyMap<string, string>;

/** An address in hex, or `X (0x…)` when it has a name. */
function addressText(v: string, names?: AddressNames): string {
  const name = names?.get(v);
  return name ? `${name} (${hex(v)})` : hex(v);
}

/** `blockGroups[30408704].ro` → `blockGroups[0x1d00000].ro`; `devExtents[1:30408704]` → `devExtents[1:0x1d00000]`. */
export function pathText(path: string, names?: AddressNames): string {
  return path.replace(/^(\w+)\[([^\]]+)\]/, (all, coll: string, k: string) => {
    if (ADDRESS_KEYED.has(coll) && isDecimal(k)) return `${coll}[${addressText(k, names)}]`;
    const dev = /^([0-9]+):([0-9]+)$/.exec(k);
    if (coll === "devExtents" && dev) return `${coll}[${dev[1]}:${addressText(dev[2]!, names)}]`;
    return all;
  });
}

/** One value of a field of the state view, for people. `—` = absent. */
export function valueText(field: string, v: unknown, names?: AddressNames): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return ADDRESS_FIELDS.has(field) && isDecimal(v) ? addressText(v, names) : SIZE_FIELDS.has(field) && isDecimal(v) ? size(v) : v;
  if (Array.isArray(v)) {
    if (v.length === 0) return field === "flags" || field === "type" ? "unknown" : "none";
    return v.map((x) => valueText(field, x, names)).join(FLAG_FIELDS.has(field) ? "|" : ", ");
  }
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    // A stripe or device range: dev1@0x… (…0x…).
    if (typeof o.devid === "number" && isDecimal(o.physical)) {
      return `dev${o.devid}@${addressText(o.physical, names)}${isDecimal(o.end) ? `–${addressText(o.end, names)}` : ""}`;
    }
    return Object.entries(o)
      .map(([k, x]) => `${k}=${valueText(k, x, names)}`)
      .join(" ");
  }
  return String(v);
}

function exactOf(field: string, v: unknown): string | null {
  return SIZE_FIELDS.has(field) && isDecimal(v) ? exactBytes(v) : null;
}

/** The field changes of `changes`, entries that appeared or disappeared expanded field by field. */
export function fieldChanges(changes: readonly { readonly path: string; readonly before: unknown; readonly after: unknown }[], names?: AddressNames): FieldChange[] {
  const out: FieldChange[] = [];
  const push = (path: string, field: string, before: unknown, after: unknown) => {
    const eb = exactOf(field, before);
    const ea = exactOf(field, after);
    out.push({
      path: pathText(path, names),
      field,
      before: valueText(field, before, names),
      after: valueText(field, after, names),
      exact: eb !== null || ea !== null ? { before: eb, after: ea } : null,
    });
  };
  for (const c of changes) {
    const whole = (x: unknown) => typeof x === "object" && x !== null && !Array.isArray(x);
    const entry = /^\w+\[[^\]]+\]$/.test(c.path);
    if (entry && (whole(c.before) || whole(c.after)) && (c.before === null || c.after === null)) {
      const fields = (c.before ?? c.after) as Record<string, unknown>;
      for (const k of Object.keys(fields)) {
        const [before, after] = [c.before, c.after].map((x) => (x === null ? null : (x as Record<string, unknown>)[k]));
        // A field an entry is born or dies with unknown says nothing.
        if (valueText(k, before) === valueText(k, after) || (before ?? null) === null && (after ?? null) === null) continue;
        push(`${c.path}.${k}`, k, before, after);
      }
      continue;
    }
    push(c.path, fieldOf(c.path), c.before, c.after);
  }
  return out;
}

/** `blockGroups[1].ro` → `ro`; `pinnedChunks` → `pinnedChunks`; `transactions[0].commits` → `commits`. */
function fieldOf(path: string): string {
  const m = /([A-Za-z]\w*)$/.exec(path);
  return m ? m[1]! : path;
}
