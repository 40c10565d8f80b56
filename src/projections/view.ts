/**
 * The JSON view of a state (view-types.ts `FsStateView`), and the
 * path-wise difference of two views (`blockGroups[30408704].ro`).
 *
 * The view lists every entry of the state, tombstones included. Entries are
 * immutable and shared between states, so the view of each is made once
 * (per variant: a block group dirty or not, a device extent in the commit
 * root or not) and shared by every view that shows it: a view then costs
 * what changed since the entries were last shown, plus the listing itself.
 * Views are read-only.
 */
import { flagNames, profileStripes } from "../events/types.ts";
import type { ActorView, BlockGroupView, DevExtentView, ExtentMapView, Finding, FsStateView, StateChange } from "./view-types.ts";
import { compareBigint } from "./serialize.ts";
import { type Actor, type BlockGroup, type ChunkMap, type DevExtent, type FsState, lockState, visibleInCommitRoot } from "./state.ts";

const s = (n: bigint | null): string | null => (n === null ? null : n.toString());

export interface ViewExtras {
  readonly seq: number;
  readonly rules: readonly string[];
  readonly findings: readonly Finding[];
  /** The locks to show (those the rule set's fixes add), by name. */
  readonly locks: readonly string[];
}

/** `make(entry, variant)`, made once per entry object and variant. */
function viewOnce<E extends object, V>(make: (entry: E, variant: boolean) => V): (entry: E, variant: boolean) => V {
  const made = new WeakMap<E, [V | undefined, V | undefined]>();
  return (entry, variant) => {
    let pair = made.get(entry);
    if (!pair) {
      pair = [undefined, undefined];
      made.set(entry, pair);
    }
    const i = variant ? 1 : 0;
    return (pair[i] ??= make(entry, variant));
  };
}

const blockGroupView = viewOnce(
  (bg: BlockGroup, dirty: boolean): BlockGroupView => ({
    start: bg.start.toString(),
    length: s(bg.length),
    flags: bg.flags === null ? [] : flagNames(bg.flags),
    status: !bg.inCacheTree ? "removed" : bg.ro > 0 ? "readOnly" : "active",
    ro: bg.ro,
    removed: bg.removed,
    inCacheTree: bg.inCacheTree,
    itemInserted: bg.itemInserted,
    trimming: bg.trimming,
    used: bg.used.toString(),
    reserved: bg.reserved.toString(),
    dirty,
    newBgOf: bg.newBgsOf,
    freeSpace: bg.freeSpace.map((f) => ({ offset: f.offset === null ? "unknown" : f.offset.toString(), bytes: f.bytes === null ? "unknown" : f.bytes.toString(), hidden: f.hidden })),
  }),
);

const extentMapView = viewOnce(
  (m: ChunkMap): ExtentMapView => ({
    start: m.start.toString(),
    length: s(m.len),
    type: m.type === null ? [] : flagNames(m.type),
    inTree: m.inTree,
    pinned: m.pinned,
    stripes: m.stripes === null ? null : m.stripes.map((x) => ({ devid: x.devid, physical: x.physical.toString() })),
    stripeCount: m.stripes !== null ? m.stripes.length : m.type === null ? null : profileStripes(m.type),
    devRanges: m.devRanges.map((r) => ({ devid: r.devid, physical: r.physical.toString(), end: r.end.toString() })),
  }),
);

const devExtentView = viewOnce(
  (d: DevExtent, visible: boolean): DevExtentView => ({
    devid: d.devid,
    physical: d.physical.toString(),
    length: s(d.len),
    chunk: d.chunk.toString(),
    deletedAt: d.deletedAt,
    visibleInCommitRoot: visible,
  }),
);

const actorView = viewOnce(
  (a: Actor): ActorView => ({
    pid: a.pid,
    comm: a.comm,
    status: a.status,
    blockedOn: a.blockedOn,
    phase: a.phase,
    discard: a.discard ? { bytenr: s(a.discard.bg), devid: a.discard.devid, physical: s(a.discard.physical), len: s(a.discard.len) } : null,
  }),
);

/**
 * `vs` in ascending order of a u64 key: a native sort of the keys, then each
 * value placed by binary search. A view sorts every table of the state, and
 * a sort calling back a bigint comparison costs four times as much.
 */
function sortedByU64<V>(vs: readonly V[], keyOf: (v: V) => bigint): V[] {
  const n = vs.length;
  const byKey = () => [...vs].sort((a, b) => compareBigint(keyOf(a), keyOf(b)));
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    const k = keyOf(vs[i]!);
    keys[i] = k;
    if (keys[i] !== k) return byKey(); // not a u64
  }
  const sorted = keys.slice().sort();
  for (let i = 1; i < n; i++) if (sorted[i] === sorted[i - 1]) return byKey(); // equal keys: placement by search needs them distinct
  const out = new Array<V>(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < k) lo = mid + 1;
      else hi = mid;
    }
    out[lo] = vs[i]!;
  }
  return out;
}

function devExtentsInOrder(st: FsState): DevExtent[] {
  const all = st.devExtents.values();
  const devids = [...new Set(all.map((d) => d.devid))].sort((a, b) => a - b);
  if (devids.length === 1) return sortedByU64(all, (d) => d.physical);
  return devids.flatMap((id) => sortedByU64(all.filter((d) => d.devid === id), (d) => d.physical));
}

export function toView(st: FsState, x: ViewExtras): FsStateView {
  const dirty = [...st.dirtyBgs.entries()].sort((a, b) => a[1] - b[1]).map(([k]) => k);
  const dirtySet = new Set(dirty);
  const bgs = sortedByU64(st.blockGroups.entries(), ([, bg]) => bg.start);
  const maps = sortedByU64(st.maps.values(), (m) => m.start);
  const actors = st.actors.values().sort((a, b) => a.pid - b.pid);
  const devExtents = devExtentsInOrder(st);
  return {
    seq: x.seq,
    rules: x.rules,
    blockGroups: bgs.map(([k, bg]) => blockGroupView(bg, dirtySet.has(k))),
    extentMaps: maps.map((m) => extentMapView(m, false)),
    pinnedChunks: [...st.pinnedChunks],
    devExtents: devExtents.map((d) => devExtentView(d, visibleInCommitRoot(st, d.deletedAt))),
    transactions: [
      {
        commits: st.commits,
        lastGen: st.lastGen,
        state: "running",
        dirtyBlockGroups: dirty,
        newBlockGroups: actors.filter((a) => a.newBgs.length > 0).map((a) => ({ pid: a.pid, blockGroups: [...a.newBgs] })),
      },
    ],
    mutexes: x.locks.map((name) => {
      const l = lockState(st, name);
      return { name, holder: l.holder, waiters: [...l.waiters] };
    }),
    actors: actors.map((a) => actorView(a, false)),
    findings: x.findings,
  };
}

// ---- diff -----------------------------------------------------------------

type Json = unknown;

/** Entity collections are keyed by identity so paths read `blockGroups[30408704].ro`. */
const IDENTITY: Record<string, (x: Record<string, Json>) => string> = {
  blockGroups: (x) => String(x.start),
  extentMaps: (x) => String(x.start),
  devExtents: (x) => `${String(x.devid)}:${String(x.physical)}`,
  actors: (x) => String(x.pid),
  mutexes: (x) => String(x.name),
};

function same(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function diffObject(path: string, a: Record<string, Json>, b: Record<string, Json>, out: StateChange[]): void {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const p = path ? `${path}.${k}` : k;
    const va = a[k];
    const vb = b[k];
    if (same(va, vb)) continue;
    const id = path === "" ? IDENTITY[k] : undefined;
    if (id && Array.isArray(va) && Array.isArray(vb)) {
      const ma = new Map((va as Record<string, Json>[]).map((x) => [id(x), x]));
      const mb = new Map((vb as Record<string, Json>[]).map((x) => [id(x), x]));
      for (const [ik, xa] of ma) {
        const xb = mb.get(ik);
        if (xb === undefined) out.push({ path: `${k}[${ik}]`, before: xa, after: null });
        else diffObject(`${k}[${ik}]`, xa, xb, out);
      }
      for (const [ik, xb] of mb) if (!ma.has(ik)) out.push({ path: `${k}[${ik}]`, before: null, after: xb });
    } else if (k === "transactions" && Array.isArray(va) && Array.isArray(vb) && va.length === vb.length) {
      va.forEach((x, i) => diffObject(`${p}[${i}]`, x as Record<string, Json>, vb[i] as Record<string, Json>, out));
    } else if (va && vb && typeof va === "object" && typeof vb === "object" && !Array.isArray(va) && !Array.isArray(vb)) {
      diffObject(p, va as Record<string, Json>, vb as Record<string, Json>, out);
    } else {
      out.push({ path: p, before: va ?? null, after: vb ?? null });
    }
  }
}

/** Changes from view `a` to view `b` (the `seq` field itself is not a change). */
export function diffViews(a: FsStateView, b: FsStateView): StateChange[] {
  const out: StateChange[] = [];
  const { seq: _sa, rules: _ra, ...ra } = a;
  const { seq: _sb, rules: _rb, ...rb } = b;
  diffObject("", ra as unknown as Record<string, Json>, rb as unknown as Record<string, Json>, out);
  return out;
}
