/**
 * Snapshot form of a state: plain JSON values (no bigint, no Map), so it can
 * be stored and restored exactly (bigints as src/bigint-json.ts stores them).
 *
 * A state is saved in two parts: its entry tables (block groups, extent maps,
 * device extents, actors — the tables that hold tombstones and only grow),
 * entry by entry, and the rest (counters, dirty list, the fixes' locks, small lists).
 * Entries are immutable and shared between successive states, so each one is
 * encoded once (`entryJson` caches per object): saving a state every K events
 * then costs what changed, not the size of the tables (src/replay/snapshots.ts).
 */
import { decodeJson, encodeJson } from "../bigint-json.ts";
import { PMap } from "./pmap.ts";

export { decodeJson, encodeJson };
import type { Actor, BlockGroup, ChunkMap, DevExtent, FsState } from "./state.ts";
import { devKey, key } from "./state.ts";

// ---- entry tables -----------------------------------------------------------

export interface EntryTables {
  readonly blockGroups: PMap<BlockGroup>;
  readonly maps: PMap<ChunkMap>;
  readonly devExtents: PMap<DevExtent>;
  readonly actors: PMap<Actor>;
}
export type EntryTable = keyof EntryTables;
export type EntryOf<T extends EntryTable> = EntryTables[T] extends PMap<infer V> ? V : never;

export const ENTRY_TABLES: readonly EntryTable[] = ["blockGroups", "maps", "devExtents", "actors"];

/** The key an entry has in its table (as the projection sets it). */
export const ENTRY_KEY: { readonly [T in EntryTable]: (v: EntryOf<T>) => string } = {
  blockGroups: (bg) => key(bg.start),
  maps: (m) => key(m.start),
  devExtents: (d) => devKey(d.devid, d.physical),
  actors: (a) => String(a.pid),
};

export const NO_ENTRIES: EntryTables = { blockGroups: PMap.empty(), maps: PMap.empty(), devExtents: PMap.empty(), actors: PMap.empty() };

export function entryTables(s: FsState): EntryTables {
  return { blockGroups: s.blockGroups, maps: s.maps, devExtents: s.devExtents, actors: s.actors };
}

const encoded = new WeakMap<object, string>();

/** JSON text of one entry (encoded once per entry object: entries never change). */
export function entryJson(v: object): string {
  let s = encoded.get(v);
  if (s === undefined) {
    s = JSON.stringify(encodeJson(v));
    encoded.set(v, s);
  }
  return s;
}

/** An entry from its parsed JSON (`entryJson`). */
export function entryFromJson<T extends EntryTable>(_table: T, json: unknown): EntryOf<T> {
  return decodeJson(json) as EntryOf<T>;
}

/** Starts of the maps, ascending (`FsState.mapStarts`). */
export function mapStartsOf(maps: PMap<ChunkMap>): bigint[] {
  return maps.values().map((m) => m.start).sort(compareBigint);
}

export const compareBigint = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

// ---- the rest -------------------------------------------------------------

interface RestJson {
  readonly commits: number;
  readonly lastGen: number | null;
  readonly pinnedChunks: string[];
  readonly dirtyBgs: [string, number][];
  readonly dirtyStamp: number;
  readonly itemsUnknown: boolean;
  readonly locks: FsState["locks"];
  readonly phased: number[];
  readonly openDiscards: number[];
  readonly applied: number;
}

/** Everything of a state but its entry tables, as plain JSON (small: no table that grows with the trace). */
export function restToJson(s: FsState): unknown {
  const plain: RestJson = {
    commits: s.commits,
    lastGen: s.lastGen,
    pinnedChunks: [...s.pinnedChunks],
    dirtyBgs: s.dirtyBgs.entries(),
    dirtyStamp: s.dirtyStamp,
    itemsUnknown: s.itemsUnknown,
    locks: s.locks,
    phased: [...s.phased],
    openDiscards: [...s.openDiscards],
    applied: s.applied,
  };
  return encodeJson(plain);
}

/** A state from its rest (`restToJson`), its entry tables and the starts of its maps in order. */
export function stateFromParts(rest: unknown, tables: EntryTables, mapStarts: readonly bigint[]): FsState {
  const p = decodeJson(rest) as RestJson;
  return {
    commits: p.commits,
    lastGen: p.lastGen,
    blockGroups: tables.blockGroups,
    maps: tables.maps,
    mapStarts,
    pinnedChunks: p.pinnedChunks,
    devExtents: tables.devExtents,
    dirtyBgs: PMap.from(p.dirtyBgs),
    dirtyStamp: p.dirtyStamp,
    itemsUnknown: p.itemsUnknown,
    locks: p.locks,
    actors: tables.actors,
    phased: p.phased,
    openDiscards: p.openDiscards,
    applied: p.applied,
  };
}
