/**
 * The JSON view of a state (src/replay/types.ts `FsStateView`), and the
 * path-wise difference of two views (`blockGroups[30408704].ro`).
 */
import { flagNames } from "../events/types.ts";
import type { Finding, FsStateView, StateChange } from "../replay/types.ts";
import { type FsState, key, visibleInCommitRoot } from "./state.ts";

const s = (n: bigint | null): string | null => (n === null ? null : n.toString());
const byStart = (a: { start: bigint }, b: { start: bigint }) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);

export interface ViewExtras {
  readonly seq: number;
  readonly rules: readonly string[];
  readonly findings: readonly Finding[];
  /** Show lock M (the rule set has the fix that introduces it). */
  readonly showLock: boolean;
}

export function toView(st: FsState, x: ViewExtras): FsStateView {
  const dirty = [...st.dirtyBgs.entries()].sort((a, b) => a[1] - b[1]).map(([k]) => k);
  const dirtySet = new Set(dirty);
  const bgs = [...st.blockGroups.values()].sort(byStart);
  const maps = [...st.maps.values()].sort(byStart);
  const actors = [...st.actors.values()].sort((a, b) => a.pid - b.pid);
  const devExtents = [...st.devExtents.values()].sort((a, b) => a.devid - b.devid || (a.physical < b.physical ? -1 : a.physical > b.physical ? 1 : 0));
  return {
    seq: x.seq,
    rules: x.rules,
    blockGroups: bgs.map((bg) => ({
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
      dirty: dirtySet.has(key(bg.start)),
      newBgOf: bg.newBgsOf,
      freeSpace: bg.freeSpace.map((f) => ({ offset: f.offset === null ? "unknown" : f.offset.toString(), bytes: f.bytes === null ? "unknown" : f.bytes.toString(), hidden: f.hidden })),
    })),
    extentMaps: maps.map((m) => ({
      start: m.start.toString(),
      length: s(m.len),
      type: m.type === null ? [] : flagNames(m.type),
      inTree: m.inTree,
      pinned: m.pinned,
      stripes: m.stripes === null ? null : m.stripes.map((x) => ({ devid: x.devid, physical: x.physical.toString() })),
      devRanges: m.devRanges.map((r) => ({ devid: r.devid, physical: r.physical.toString(), end: r.end.toString() })),
    })),
    pinnedChunks: [...st.pinnedChunks],
    devExtents: devExtents.map((d) => ({
      devid: d.devid,
      physical: d.physical.toString(),
      length: s(d.len),
      chunk: d.chunk.toString(),
      deletedAt: d.deletedAt,
      visibleInCommitRoot: visibleInCommitRoot(st, d.deletedAt),
    })),
    transactions: [
      {
        commits: st.commits,
        lastGen: st.lastGen,
        state: "running",
        dirtyBlockGroups: dirty,
        newBlockGroups: actors.filter((a) => a.newBgs.length > 0).map((a) => ({ pid: a.pid, blockGroups: [...a.newBgs] })),
      },
    ],
    mutexes: x.showLock ? [{ name: "delete_unused_bgs_mutex", holder: st.lockM.holder, waiters: [...st.lockM.waiters] }] : [],
    actors: actors.map((a) => ({
      pid: a.pid,
      comm: a.comm,
      status: a.status,
      blockedOn: a.blockedOn,
      phase: a.phase,
      discard: a.discard
        ? { bytenr: s(a.discard.bg), devid: a.discard.devid, physical: s(a.discard.physical), len: s(a.discard.len) }
        : null,
    })),
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
