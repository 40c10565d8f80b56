/**
 * Snapshot form of a state: plain JSON values (no bigint, no Map), so it can
 * be stored as JSONB and restored exactly. Bigints travel as `#n<decimal>`;
 * a real string starting with `#` gets one more `#` (decoding undoes both).
 */
import { PMap } from "./pmap.ts";
import type { Actor, BlockGroup, ChunkMap, DevExtent, FsState } from "./state.ts";
import { devKey, key } from "./state.ts";

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

export function decodeJson(v: unknown): unknown {
  if (typeof v === "string") {
    if (v.startsWith("##")) return v.slice(1);
    if (v.startsWith("#n")) return BigInt(v.slice(2));
    return v;
  }
  if (Array.isArray(v)) return v.map(decodeJson);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = decodeJson(x);
    return out;
  }
  return v;
}

interface FsStateJson {
  readonly commits: number;
  readonly lastGen: number | null;
  readonly blockGroups: BlockGroup[];
  readonly maps: ChunkMap[];
  readonly pinnedChunks: string[];
  readonly devExtents: DevExtent[];
  readonly dirtyBgs: [string, number][];
  readonly dirtyStamp: number;
  readonly itemsUnknown: boolean;
  readonly lockM: FsState["lockM"];
  readonly actors: Actor[];
  readonly phased: number[];
  readonly openDiscards: number[];
  readonly applied: number;
}

export function stateToJson(s: FsState): unknown {
  const plain: FsStateJson = {
    commits: s.commits,
    lastGen: s.lastGen,
    blockGroups: s.blockGroups.values(),
    maps: s.maps.values(),
    pinnedChunks: [...s.pinnedChunks],
    devExtents: s.devExtents.values(),
    dirtyBgs: s.dirtyBgs.entries(),
    dirtyStamp: s.dirtyStamp,
    itemsUnknown: s.itemsUnknown,
    lockM: s.lockM,
    actors: s.actors.values(),
    phased: [...s.phased],
    openDiscards: [...s.openDiscards],
    applied: s.applied,
  };
  return encodeJson(plain);
}

export function stateFromJson(json: unknown): FsState {
  const p = decodeJson(json) as FsStateJson;
  return {
    commits: p.commits,
    lastGen: p.lastGen,
    blockGroups: PMap.from(p.blockGroups.map((bg) => [key(bg.start), bg] as const)),
    maps: PMap.from(p.maps.map((m) => [key(m.start), m] as const)),
    mapStarts: p.maps.map((m) => m.start).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    pinnedChunks: p.pinnedChunks,
    devExtents: PMap.from(p.devExtents.map((d) => [devKey(d.devid, d.physical), d] as const)),
    dirtyBgs: PMap.from(p.dirtyBgs),
    dirtyStamp: p.dirtyStamp,
    itemsUnknown: p.itemsUnknown,
    lockM: p.lockM,
    actors: PMap.from(p.actors.map((a) => [String(a.pid), a] as const)),
    phased: p.phased,
    openDiscards: p.openDiscards,
    applied: p.applied,
  };
}
