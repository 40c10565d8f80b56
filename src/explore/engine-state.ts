/**
 * What the explorer reads of a replay engine: whether an actor waits, and a
 * canonical key of the engine's state (to recognise a state reached by
 * another schedule). Branching uses `Engine.clone()`, which shares the
 * immutable filesystem state.
 */
import { createHash } from "node:crypto";
import type { Engine } from "../replay/engine.ts";
import { PMap } from "../projections/pmap.ts";
import type { FsState } from "../projections/state.ts";

/** Is the actor waiting (its recorded events are queued, not applied)? */
export function isWaiting(eng: Engine, pid: number): boolean {
  const q = eng.scheduler().queues.get(pid);
  return q !== undefined && q.length > 0;
}

// ---- canonical state key -----------------------------------------------------

/**
 * Application indices (`applied`, a map's `allocatedAt`, a discard's
 * `startedAt`) only ever matter by their order: they are replaced by their
 * rank, so that two events that commute give the same key in either order.
 * Records are immutable and shared between states, so each one's text is
 * made once (stamps left as `@{n}`) and the ranks are put in at the end.
 */
const STAMP_FIELDS = new Set(["allocatedAt", "startedAt"]);
const STAMP_RE = /@\{(\d+)\}/g;

const textOf = new WeakMap<object, string>();

function canon(v: unknown, field: string | null): string {
  if (v === null || v === undefined) return "_";
  switch (typeof v) {
    case "bigint":
      return `${v}n`;
    case "number":
      return field !== null && STAMP_FIELDS.has(field) ? `@{${v}}` : String(v);
    case "string":
      return JSON.stringify(v);
    case "boolean":
      return v ? "T" : "F";
    default:
      break;
  }
  const obj = v as object;
  const known = textOf.get(obj);
  if (known !== undefined) return known;
  let text: string;
  if (obj instanceof PMap) {
    const entries = (obj as PMap<unknown>).entries().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    text = `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canon(x, null)}`).join(",")}}`;
  } else if (Array.isArray(obj)) {
    text = `[${obj.map((x) => canon(x, null)).join(",")}]`;
  } else {
    const o = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(o).sort()) if (o[k] !== undefined) parts.push(`${k}=${canon(o[k], k)}`);
    text = `(${parts.join(";")})`;
  }
  textOf.set(obj, text);
  return text;
}

/** Canonical text of a filesystem state (no bigint/PMap/insertion-order/stamp artefacts). */
export function canonicalFs(fs: FsState): string {
  const { applied, dirtyBgs, dirtyStamp: _s, mapStarts: _m, ...rest } = fs;
  // Which block groups are dirty matters; the order of the dirty list only shows in views.
  const dirty = dirtyBgs.keys().sort();
  const raw = `applied=@{${applied}};dirty=${dirty.join(",")};${canon(rest, null)}`;
  const stamps = [...new Set([...raw.matchAll(STAMP_RE)].map((m) => Number(m[1])))].sort((a, b) => a - b);
  const rank = new Map(stamps.map((x, i) => [x, i]));
  return raw.replace(STAMP_RE, (_m, n: string) => `@${rank.get(Number(n))}`);
}

/**
 * Key of an explorer state: the engine's filesystem and scheduling state, how
 * far each program has been pushed, and the path facts that change how a
 * schedule ends (an undecided point, an invariant finding, a forked check).
 * Report lists (warnings, reorderings) are not part of it.
 */
export function stateKey(eng: Engine, pcs: readonly number[]): string {
  const x = eng.scheduler();
  const parts: string[] = [pcs.join(",")];
  if (eng.stopped) {
    // A stopped replay is an end: what is left of it is which effect stopped it, where.
    const f = eng.findings[eng.findings.length - 1];
    parts.push(`S${f?.race ?? "_"}|${f?.effect ?? "_"}@${f?.seq ?? "_"}|u${eng.undecided.length > 0 ? 1 : 0}f${eng.forkPoints.length}`);
    return createHash("sha1").update(parts.join("\n")).digest("base64");
  }
  parts.push(`u${eng.undecided.length > 0 ? 1 : 0}i${eng.findings.some((f) => f.race === null) ? 1 : 0}f${eng.forkPoints.length}`);
  parts.push(`L${[...x.sections].sort().map(([lock, chain]) => `${lock}=${chain}`).join(",")}P${x.pendingRelease?.chain ?? "_"}`);
  parts.push(`C${[...x.cut].sort((a, b) => a - b).join(",")}`);
  parts.push(`O${[...x.openChains].sort((a, b) => a - b).join(",")}`);
  const qs = [...x.queues.entries()].filter(([, q]) => q.length > 0).sort((a, b) => a[0] - b[0]);
  parts.push(`Q${qs.map(([pid, q]) => `${pid}:${q.map((i) => `${i.e.seq}/${i.waitedFor}`).join(" ")}`).join("|")}`);
  parts.push(canonicalFs(eng.fs));
  return createHash("sha1").update(parts.join("\n")).digest("base64");
}
