/**
 * The fold: one handler per event type (DOMAIN.md §3), in ONE table keyed by
 * EventType — a type without a handler is a compile error. Handlers are pure:
 * they return a new state and report what they saw (an effect, an undecided
 * point, an inconsistency, an invariant violation) as notes on the context.
 * Ordering decisions (locks, deferral, skip path, completion rule) belong to
 * the replay engine (src/replay/engine.ts), which calls `applyEvent`.
 *
 * Verdict-affecting: a change of behaviour here bumps ENGINE_VERSION
 * (src/replay/engine.ts).
 */
import type { RaceEffect } from "../events/races.ts";
import { BLOCK_GROUP_FLAGS, type EventType, type RaceEvent, type Stripe } from "../events/types.ts";
import type { RuleSet } from "../rules/types.ts";
import {
  type Actor,
  type BlockGroup,
  type ChunkMap,
  type DevRange,
  type Discard,
  type FsState,
  defaultBlockGroup,
  defaultChunkMap,
  devKey,
  hex,
  key,
  newActor,
  rangesReusable,
  visibleInCommitRoot,
} from "./state.ts";

export type { RaceEffect } from "../events/races.ts";

export type Note =
  | { readonly kind: "effect"; readonly effect: RaceEffect; readonly message: string }
  | { readonly kind: "invariant"; readonly message: string }
  | { readonly kind: "undecided"; readonly why: string }
  | { readonly kind: "warning"; readonly code: string; readonly message: string }
  /** The rest of this event's chain is not applied (a trim of a removed bg, fix 001). */
  | { readonly kind: "cut"; readonly why: string }
  /** `remove_chunk` succeeded (completion rule, DOMAIN §4.5). */
  | { readonly kind: "chunk_removed" }
  /** What a rule changed, for timelines. */
  | { readonly kind: "info"; readonly message: string };

export interface ApplyCtx {
  readonly rules: RuleSet;
  /** Stored seq of the event (or of the event a synthetic one precedes). */
  readonly seq: number;
  readonly line: number | null;
  /** Applied later than recorded because its actor waited (DOMAIN §4.3). */
  readonly deferred: boolean;
  readonly synthetic: boolean;
  /**
   * The replayed order may differ from the recorded one (a lock makes tasks
   * wait, or the explorer made the schedule): allocations are placed for it.
   */
  readonly reordering: boolean;
  readonly notes: Note[];
}

type Handler<T extends EventType> = (s: FsState, e: RaceEvent<T>, c: ApplyCtx) => FsState;

// ---- small helpers ---------------------------------------------------------

const LINEAR_MASK = BLOCK_GROUP_FLAGS.RAID0 | BLOCK_GROUP_FLAGS.RAID10 | BLOCK_GROUP_FLAGS.RAID5 | BLOCK_GROUP_FLAGS.RAID6;

/** SINGLE, DUP, RAID1, RAID1C3, RAID1C4: every stripe holds the whole chunk (DOMAIN §2). */
export function isLinear(type: number | null): boolean {
  return type !== null && (type & LINEAR_MASK) === 0;
}

/** Length of one device extent of a chunk, when it can be known. */
export function stripeLength(type: number | null, len: bigint | null, stripes: number): bigint | null {
  if (len === null || type === null || stripes === 0) return null;
  if (isLinear(type)) return len;
  const n = BigInt(stripes);
  if (type & BLOCK_GROUP_FLAGS.RAID10) return n >= 2n ? len / (n / 2n) : null;
  if (type & BLOCK_GROUP_FLAGS.RAID6) return n > 2n ? len / (n - 2n) : null;
  if (type & BLOCK_GROUP_FLAGS.RAID5) return n > 1n ? len / (n - 1n) : null;
  return len / n; // RAID0
}

function actorOf(s: FsState, pid: number): Actor {
  return s.actors.get(String(pid)) ?? newActor(pid, null);
}

function setActor(s: FsState, a: Actor): FsState {
  return { ...s, actors: s.actors.set(String(a.pid), a) };
}

function setBg(s: FsState, bg: BlockGroup): FsState {
  return { ...s, blockGroups: s.blockGroups.set(key(bg.start), bg) };
}

function setMap(s: FsState, m: ChunkMap): FsState {
  const k = key(m.start);
  if (s.maps.has(k)) return { ...s, maps: s.maps.set(k, m) };
  // a new map: keep the sorted index of starts
  const starts = s.mapStarts;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! < m.start) lo = mid + 1;
    else hi = mid;
  }
  return { ...s, maps: s.maps.set(k, m), mapStarts: [...starts.slice(0, lo), m.start, ...starts.slice(lo)] };
}

function setPhase(s: FsState, pid: number, phase: Actor["phase"]): FsState {
  const a = actorOf(s, pid);
  const phased = phase === "none" ? s.phased.filter((p) => p !== pid) : s.phased.includes(pid) ? s.phased : [...s.phased, pid];
  return { ...setActor(s, { ...a, phase }), phased };
}

/**
 * Bootstrap (DOMAIN §4.6): a bytenr never seen before is created with
 * defaults when first referenced; a tombstone is read, never re-created.
 */
function ensureBg(s: FsState, bytenr: bigint, used?: bigint | null): FsState {
  const k = key(bytenr);
  let next = s;
  const bg = s.blockGroups.get(k);
  if (!bg) next = setBg(next, used !== undefined && used !== null ? { ...defaultBlockGroup(bytenr), used } : defaultBlockGroup(bytenr));
  else if (used !== undefined && used !== null && bg.used !== used) next = setBg(next, { ...bg, used });
  if (!next.maps.has(k)) next = setMap(next, defaultChunkMap(bytenr));
  return next;
}

/**
 * A block group's type and profile (`flags=20(METADATA|RAID1)`) and length
 * printed by a line fill in what the trace had not said yet (a bootstrapped
 * block group and its extent map). No rule reads them for a chunk whose
 * stripes are unknown, which every such chunk is: they are for people.
 */
function learnFlags(s: FsState, bytenr: bigint, flags: number | null, len: bigint | null = null): FsState {
  if (flags === null && len === null) return s;
  const k = key(bytenr);
  let next = s;
  const bg = next.blockGroups.get(k);
  if (bg && ((bg.flags === null && flags !== null) || (bg.length === null && len !== null))) {
    next = setBg(next, { ...bg, flags: bg.flags ?? flags, length: bg.length ?? len });
  }
  const m = next.maps.get(k);
  if (m && ((m.type === null && flags !== null) || (m.len === null && len !== null))) {
    next = setMap(next, { ...m, type: m.type ?? flags, len: m.len ?? len });
  }
  return next;
}

function bgOf(s: FsState, bytenr: bigint): BlockGroup {
  const bg = s.blockGroups.get(key(bytenr));
  if (!bg) throw new Error(`internal: block group ${hex(bytenr)} not bootstrapped`);
  return bg;
}

function mapOf(s: FsState, bytenr: bigint): ChunkMap {
  const m = s.maps.get(key(bytenr));
  if (!m) throw new Error(`internal: extent map ${hex(bytenr)} not bootstrapped`);
  return m;
}

function addDirty(s: FsState, k: string, requeue: boolean): FsState {
  if (!requeue && s.dirtyBgs.has(k)) return s;
  const stamp = s.dirtyStamp + 1;
  return { ...s, dirtyBgs: s.dirtyBgs.set(k, stamp), dirtyStamp: stamp };
}

function overlaps(a0: bigint, a1: bigint, b0: bigint, b1: bigint): boolean {
  return a0 < b1 && b0 < a1;
}

/**
 * An invariant violation by an event the rules moved is an artefact of the
 * new schedule (in that kernel the task would have acted on what it saw), so
 * it is a warning; in recorded position it is an `invariant` finding.
 */
function violation(c: ApplyCtx, code: string, message: string): void {
  if (c.deferred) c.notes.push({ kind: "warning", code: `reordered_${code}`, message: `${message} (event applied out of recorded order)` });
  else c.notes.push({ kind: "invariant", message });
}

/** Adds a device range, coalescing it with the ranges it overlaps or touches (same device). */
function mergeRange(ranges: readonly DevRange[], r: DevRange): DevRange[] {
  let lo = r.physical;
  let hi = r.end;
  const rest: DevRange[] = [];
  for (const x of ranges) {
    if (x.devid === r.devid && x.physical <= hi && lo <= x.end) {
      if (x.physical < lo) lo = x.physical;
      if (x.end > hi) hi = x.end;
    } else rest.push(x);
  }
  return [...rest, { devid: r.devid, physical: lo, end: hi }];
}

/** Physical ranges `[p, p+len)` of a logical range, or null when the mapping is unknown. */
export function physicalRanges(m: ChunkMap, logical: bigint, len: bigint | null): DevRange[] | null {
  if (!m.stripes || !isLinear(m.type)) return null;
  const off = logical - m.start;
  const size = len ?? 1n;
  return m.stripes.map((st) => ({ devid: st.devid, physical: st.physical + off, end: st.physical + off + size }));
}

/** The extent map containing a logical address (tombstones included): the one with the greatest start ≤ it. */
export function containingMap(s: FsState, logical: bigint): ChunkMap | undefined {
  const exact = s.maps.get(key(logical));
  if (exact) return exact;
  const starts = s.mapStarts;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= logical) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return undefined;
  const m = s.maps.get(key(starts[lo - 1]!))!;
  const len = m.len ?? s.blockGroups.get(key(m.start))?.length ?? null;
  return len !== null && logical < m.start + len ? m : undefined;
}

/** Closes an actor's Discard: free-space entry back, reservation returned. */
function closeDiscard(s: FsState, a: Actor): FsState {
  const d = a.discard;
  if (!d) return s;
  let next = setActor(s, { ...a, discard: null });
  next = { ...next, openDiscards: next.openDiscards.filter((p) => p !== a.pid) };
  if (d.bg !== null) {
    const bg = next.blockGroups.get(key(d.bg));
    if (bg) {
      const i = bg.freeSpace.findIndex((f) => f.hidden && f.by === a.pid);
      const freeSpace = i < 0 || !bg.inCacheTree ? bg.freeSpace : bg.freeSpace.map((f, j) => (j === i ? { ...f, hidden: false } : f));
      const reserved = d.reserved !== null ? (bg.reserved > d.reserved ? bg.reserved - d.reserved : 0n) : bg.reserved;
      const reservedUnknown = d.reservedUnknown ? Math.max(0, bg.reservedUnknown - 1) : bg.reservedUnknown;
      next = setBg(next, { ...bg, freeSpace, reserved, reservedUnknown });
    }
  }
  return next;
}

function discardRange(d: Discard): string {
  return d.devid === null || d.physical === null || d.len === null
    ? "an unknown device range"
    : `dev ${d.devid} [${hex(d.physical)}, ${hex(d.physical + d.len)})`;
}

/** The effect condition of a Discard (DOMAIN §3 `discard_end`) and the undecided cases of §4.7 (d). */
export function judgeDiscard(d: Discard): { effect: string | null; undecided: string | null } {
  if (d.hit) {
    return {
      effect:
        `do_trimming: discard of ${discardRange(d)} (block group ${hex(d.bg)}) completed after metadata was written there ` +
        `(extent buffer ${hex(d.hit.logical)} of chunk ${hex(d.hit.chunk)}, dev ${d.hit.devid} ${hex(d.hit.physical)}, written at seq ${d.hit.seq}): ` +
        `the new tree block is zeroed (fsck: "Check tree block failed, want=${d.hit.logical}, have=0")`,
      undecided: null,
    };
  }
  if (d.devid === null || d.physical === null || d.len === null) {
    return { effect: null, undecided: `discard on block group ${hex(d.bg)} (seq ${d.startSeq}): its device range is unknown` };
  }
  if (d.unknownWrite) {
    return {
      effect: null,
      undecided: `discard of ${discardRange(d)}: a metadata write at seq ${d.unknownWrite.seq} went to a chunk allocated after the discard started, at an unknown physical address`,
    };
  }
  return { effect: null, undecided: null };
}

// ---- the handler table -----------------------------------------------------

const HANDLERS: { readonly [T in EventType]: Handler<T> } = {
  unused_bg_check: (s, e) => (e.data.bytenr === null ? s : learnFlags(ensureBg(s, e.data.bytenr, e.data.used), e.data.bytenr, e.data.flags ?? null)),

  set_ro: (s, e) => {
    if (e.data.bytenr === null) {
      const a = actorOf(s, e.origin.pid);
      return setActor(s, { ...a, unboundRo: a.unboundRo + 1 });
    }
    const next = ensureBg(s, e.data.bytenr);
    const bg = bgOf(next, e.data.bytenr);
    return setBg(next, { ...bg, ro: e.data.flag ? 1 : bg.ro + 1 });
  },

  clear_ro: (s, e) => {
    if (e.data.bytenr === null) {
      const a = actorOf(s, e.origin.pid);
      return setActor(s, { ...a, unboundRo: Math.max(0, a.unboundRo - 1) });
    }
    const next = ensureBg(s, e.data.bytenr);
    const bg = bgOf(next, e.data.bytenr);
    return setBg(next, { ...bg, ro: e.data.flag ? 0 : Math.max(0, bg.ro - 1) });
  },

  relocate_chunk: (s, e) => (e.data.bytenr === null ? s : ensureBg(s, e.data.bytenr)),

  relocate_bg: (s, e) => {
    if (e.data.bytenr === null) return s;
    const next = ensureBg(s, e.data.bytenr);
    return setBg(next, { ...bgOf(next, e.data.bytenr), used: 0n });
  },

  remove_chunk: (s, e, c) => {
    const b = e.data.bytenr;
    if (b === null) {
      // §4.7 (a)
      for (const m of s.maps.values()) {
        if (!m.inTree) {
          c.notes.push({ kind: "undecided", why: `btrfs_remove_chunk of an unknown chunk while the extent map of ${hex(m.start)} is gone: it may be that chunk (ASSERT in volumes.c)` });
          break;
        }
      }
      return s;
    }
    let next = ensureBg(s, b);
    const m = mapOf(next, b);
    if (!m.inTree) {
      const bg = next.blockGroups.get(key(b));
      const by = bg?.removedBy != null ? ` (removed by pid ${bg.removedBy} at seq ${bg.removedAtSeq})` : "";
      c.notes.push({
        kind: "effect",
        effect: "assertion_failure",
        message: `btrfs_remove_chunk: no extent map for chunk ${hex(b)}${by}: ASSERT(0) in volumes.c:2622, kernel BUG`,
      });
      return next;
    }
    if (m.devExtentsDeletedAt !== null) {
      violation(c, "chunk_removed_twice", `btrfs_remove_chunk: chunk ${hex(b)} was already removed (its device extents deleted in transaction ${m.devExtentsDeletedAt + 1}): btrfs_free_dev_extent finds nothing`);
      return next;
    }
    const k = next.commits;
    let devExtents = next.devExtents;
    for (const dk of m.extents) {
      const de = devExtents.get(dk);
      if (de && de.chunk === b && de.deletedAt === null) devExtents = devExtents.set(dk, { ...de, deletedAt: k });
    }
    next = { ...next, devExtents };
    next = setMap(next, { ...m, devExtentsDeletedAt: k });
    c.notes.push({ kind: "chunk_removed" });
    return next;
  },

  chunk_free: (s, e) => {
    if (e.data.bytenr === null) return s;
    return learnFlags(ensureBg(s, e.data.bytenr), e.data.bytenr, e.data.type ?? null, e.data.len);
  },

  remove_block_group: (s, e, c) => {
    const b = e.data.bytenr;
    if (b === null) return s;
    let next = learnFlags(ensureBg(s, b), b, e.data.flags ?? null);
    const bg = bgOf(next, b);
    if (!bg.inCacheTree) {
      violation(
        c,
        "bg_removed_twice",
        `btrfs_remove_block_group: block group ${hex(b)} is not in block_group_cache_tree (already removed by pid ${bg.removedBy ?? "?"} at seq ${bg.removedAtSeq ?? "?"}): BUG_ON(!block_group)`,
      );
      return next;
    }
    const plan = c.rules.hooks.removeBlockGroup(bg);
    const k = key(b);
    if (bg.newBgsOf !== null) {
      const owner = actorOf(next, bg.newBgsOf);
      next = setActor(next, { ...owner, newBgs: owner.newBgs.filter((x) => x !== k) });
    }
    next = setBg(next, {
      ...bg,
      inCacheTree: false,
      removed: plan.markRemoved,
      freeSpace: [],
      newBgsOf: null,
      removedAtSeq: c.seq,
      removedBy: e.origin.pid,
    });
    next = { ...next, dirtyBgs: next.dirtyBgs.remove(k) };
    const m = mapOf(next, b);
    // The chunk's device extents went with btrfs_remove_chunk; a trace without it still removed them.
    const deletedAt = m.devExtentsDeletedAt ?? next.commits;
    if (plan.keepMapPinned) {
      next = setMap(next, { ...m, pinned: true, devExtentsDeletedAt: deletedAt, removedAtSeq: c.seq });
      next = { ...next, pinnedChunks: [...next.pinnedChunks, k] };
      c.notes.push({ kind: "info", message: `extent map ${hex(b)} kept on pinned_chunks: trimming=${bg.trimming}` });
    } else {
      next = setMap(next, { ...m, inTree: false, devExtentsDeletedAt: deletedAt, removedAtSeq: c.seq });
    }
    return next;
  },

  trim_bg: (s, e, c) => {
    let next = s;
    let a = actorOf(next, e.origin.pid);
    if (a.trim) {
      // The previous trim of this task ended without a marker.
      next = endTrim(next, a, c);
      a = actorOf(next, e.origin.pid);
    }
    const b = e.data.bytenr;
    if (b === null) return setActor(next, { ...a, trim: { bg: null, counted: false } });
    next = ensureBg(next, b);
    const bg = bgOf(next, b);
    const plan = c.rules.hooks.trimStart(bg);
    switch (plan) {
      case "noop":
        c.notes.push({ kind: "cut", why: `btrfs_trim_block_group: block group ${hex(b)} is removed, nothing to trim` });
        return next;
      case "counted":
        next = setBg(next, { ...bg, trimming: bg.trimming + 1 });
        return setActor(next, { ...actorOf(next, e.origin.pid), trim: { bg: b, counted: true } });
      case "uncounted":
        return setActor(next, { ...actorOf(next, e.origin.pid), trim: { bg: b, counted: false } });
    }
  },

  trim_bg_end: (s, e, c) => {
    const a = actorOf(s, e.origin.pid);
    if (!a.trim) {
      c.notes.push({ kind: "warning", code: "trim_end_without_start", message: `end of btrfs_trim_block_group without a trim in progress (pid ${e.origin.pid})` });
      return s;
    }
    return endTrim(s, a, c);
  },

  discard_start: (s, e, c) => {
    let next = s;
    let a = actorOf(next, e.origin.pid);
    if (a.discard) {
      const j = judgeDiscard(a.discard);
      c.notes.push({ kind: "warning", code: "discard_without_end", message: `pid ${a.pid} starts a discard while its discard from seq ${a.discard.startSeq} has no end: ended here` });
      if (j.effect || j.undecided) c.notes.push({ kind: "undecided", why: `discard from seq ${a.discard.startSeq} has no recorded end: ${j.effect ? "a metadata write landed in its range, but when it ended is unknown" : j.undecided}` });
      next = closeDiscard(next, a);
      a = actorOf(next, e.origin.pid);
    }
    const { bytenr: b, len, devid, physical } = e.data;
    let reserved: bigint | null = null;
    let reservedUnknown = false;
    if (b !== null) {
      next = ensureBg(next, b);
      const bg = bgOf(next, b);
      let offset: bigint | null = null;
      const m = mapOf(next, b);
      if (devid !== null && physical !== null && m.stripes && isLinear(m.type)) {
        const st = m.stripes.find((x) => x.devid === devid && x.physical <= physical);
        if (st) offset = m.start + (physical - st.physical);
      }
      // Hide the known entry for this range, or learn it (hidden).
      const same = bg.freeSpace.findIndex((f) => !f.hidden && f.offset === offset && f.bytes === len && offset !== null);
      const freeSpace =
        same >= 0
          ? bg.freeSpace.map((f, j) => (j === same ? { ...f, hidden: true, by: a.pid } : f))
          : [...bg.freeSpace.filter((f) => f.hidden || f.offset !== null), { offset, bytes: len, hidden: true, by: a.pid }];
      let upd: BlockGroup = { ...bg, freeSpace };
      if (bg.ro === 0) {
        if (len !== null) {
          reserved = len;
          upd = { ...upd, reserved: upd.reserved + len };
        } else {
          reservedUnknown = true;
          upd = { ...upd, reservedUnknown: upd.reservedUnknown + 1 };
        }
      }
      next = setBg(next, upd);
      if (devid !== null && physical !== null && len !== null) {
        const r = { devid, physical, end: physical + len };
        if (!m.devRanges.some((x) => x.devid === r.devid && x.physical <= r.physical && r.end <= x.end)) {
          next = setMap(next, { ...m, devRanges: mergeRange(m.devRanges, r) });
        }
      }
    }
    const d: Discard = {
      bg: b,
      len,
      devid,
      physical,
      reserved,
      reservedUnknown,
      startedAt: next.applied,
      startSeq: c.seq,
      hit: null,
      unknownWrite: null,
    };
    next = setActor(next, { ...actorOf(next, e.origin.pid), discard: d });
    return { ...next, openDiscards: [...next.openDiscards, e.origin.pid] };
  },

  discard_end: (s, e, c) => {
    const a = actorOf(s, e.origin.pid);
    if (!a.discard) {
      c.notes.push({ kind: "warning", code: "discard_without_start", message: `do_trimming ends without a discard in progress (pid ${e.origin.pid})` });
      return s;
    }
    const j = judgeDiscard(a.discard);
    if (j.effect) c.notes.push({ kind: "effect", effect: "discard_overwrites_metadata", message: j.effect });
    else if (j.undecided) c.notes.push({ kind: "undecided", why: j.undecided });
    return closeDiscard(s, a);
  },

  chunk_alloc: (s, e, c) => {
    const b = e.data.bytenr;
    if (b === null) return s;
    const k = key(b);
    if (s.maps.has(k)) {
      c.notes.push({ kind: "warning", code: "chunk_exists", message: `btrfs_chunk_alloc: chunk ${hex(b)} already exists (logical addresses are never reused)` });
      return s;
    }
    const { len, type } = e.data;
    let stripes: Stripe[] | null = null;
    let next = s;
    if (e.data.stripes) {
      const sl = stripeLength(type, len, e.data.stripes.length) ?? 1n;
      const avoid: DevRange[] = [];
      const why = new Map<DevRange, string>();
      if (c.rules.hooks.avoidPinnedRanges()) {
        for (const pk of s.pinnedChunks) {
          const pm = s.maps.get(pk);
          if (pm?.pinned) for (const r of pm.devRanges) { avoid.push(r); why.set(r, `pinned chunk ${hex(pm.start)}`); }
        }
      }
      if (c.reordering) {
        // The allocator never reuses a device range still in the commit root; the
        // recorded placement was only valid in the recorded schedule.
        for (const m of s.maps.values()) {
          if (!rangesReusable(s, m)) for (const r of m.devRanges) if (!why.has(r)) { avoid.push(r); why.set(r, `chunk ${hex(m.start)} still in use`); }
        }
      }
      const placed: DevRange[] = [];
      stripes = [];
      for (const st of e.data.stripes) {
        let p = st.physical;
        for (;;) {
          const hit = [...avoid, ...placed].find((r) => r.devid === st.devid && overlaps(p, p + sl, r.physical, r.end));
          if (!hit) break;
          p = hit.end;
        }
        if (p !== st.physical) {
          const reason = [...avoid, ...placed].filter((r) => r.devid === st.devid && overlaps(st.physical, st.physical + sl, r.physical, r.end)).map((r) => why.get(r) ?? "another stripe")[0];
          c.notes.push({ kind: "info", message: `btrfs_chunk_alloc: stripe on dev ${st.devid} moved from ${hex(st.physical)} to ${hex(p)} (off ${reason})` });
        }
        placed.push({ devid: st.devid, physical: p, end: p + sl });
        stripes.push({ devid: st.devid, physical: p });
      }
      // Inconsistency: a stripe on a device extent that is live or not yet reusable.
      for (const r of placed) {
        for (const de of s.devExtents.values()) {
          if (de.devid !== r.devid) continue;
          const end = de.physical + (de.len ?? 1n);
          const busy = de.deletedAt === null || s.commits <= de.deletedAt;
          if (busy && overlaps(r.physical, r.end, de.physical, end)) {
            c.notes.push({
              kind: "warning",
              code: "dev_extent_in_use",
              message: `btrfs_chunk_alloc: chunk ${hex(b)} placed on dev ${r.devid} ${hex(r.physical)}, inside the device extent of chunk ${hex(de.chunk)} which is ${de.deletedAt === null ? "live" : "deleted but not committed"}`,
            });
          }
        }
      }
      const extents: string[] = [];
      let devExtents = next.devExtents;
      for (const r of placed) {
        const dk = devKey(r.devid, r.physical);
        extents.push(dk);
        devExtents = devExtents.set(dk, { devid: r.devid, physical: r.physical, len: sl, chunk: b, deletedAt: null });
      }
      next = { ...next, devExtents };
      next = setMap(next, {
        ...defaultChunkMap(b),
        len,
        type,
        stripes,
        devRanges: placed,
        allocatedAt: next.applied,
        allocatedAtSeq: c.seq,
        extents,
      });
      return next;
    }
    return setMap(next, { ...defaultChunkMap(b), len, type, allocatedAt: next.applied, allocatedAtSeq: c.seq });
  },

  bg_create: (s, e, c) => {
    const b = e.data.bytenr;
    if (b === null) return s;
    const k = key(b);
    if (s.blockGroups.has(k)) {
      c.notes.push({ kind: "warning", code: "bg_exists", message: `btrfs_make_block_group: block group ${hex(b)} already exists` });
      return s;
    }
    let next = setBg(s, {
      ...defaultBlockGroup(b),
      length: e.data.len,
      flags: e.data.flags,
      itemInserted: false,
      newBgsOf: e.origin.pid,
      bootstrapped: false,
    });
    const a = actorOf(next, e.origin.pid);
    next = setActor(next, { ...a, newBgs: [...a.newBgs, k] });
    const m = next.maps.get(k);
    if (!m) {
      // Its chunk was allocated just now, untraced: known to be new, stripes unknown.
      next = setMap(next, { ...defaultChunkMap(b), len: e.data.len, type: e.data.flags, allocatedAt: next.applied, allocatedAtSeq: c.seq });
    } else if (m.len === null || m.type === null) {
      next = setMap(next, { ...m, len: m.len ?? e.data.len, type: m.type ?? e.data.flags });
    }
    return next;
  },

  bg_items_insert: (s, e) => {
    const a = actorOf(s, e.origin.pid);
    let next = s;
    for (const k of a.newBgs) {
      const bg = next.blockGroups.get(k);
      if (bg && bg.inCacheTree) next = setBg(next, { ...bg, itemInserted: true, newBgsOf: null });
    }
    return setActor(next, { ...actorOf(next, e.origin.pid), newBgs: [] });
  },

  bg_alloc: (s, e, c) => {
    const b = e.data.bytenr;
    if (b === null) return s;
    const next = learnFlags(ensureBg(s, b), b, e.data.flags ?? null);
    const bg = bgOf(next, b);
    if (!bg.inCacheTree) {
      violation(c, "alloc_in_removed_bg", `btrfs_reserve_extent: extent reserved in block group ${hex(b)}, which was removed at seq ${bg.removedAtSeq ?? "?"}`);
      return next;
    }
    return addDirty(setBg(next, { ...bg, used: bg.used + (e.data.len ?? 0n) }), key(b), false);
  },

  commit_start: (s, e) => setPhase(s, e.origin.pid, "none"),
  writeout_early: (s, e) => setPhase(s, e.origin.pid, "early"),
  writeout_critical: (s, e) => setPhase(s, e.origin.pid, "critical"),
  writeout_end: (s, e) => setPhase(s, e.origin.pid, "none"),

  write_cache_group: (s, e, c) => {
    const b = e.data.bytenr;
    const phase = actorOf(s, e.origin.pid).phase;
    const plan = c.rules.hooks.writeCacheGroupEnoent(phase);
    if (b === null) {
      // §4.7 (c)
      if (plan === "abort") {
        for (const bg of s.blockGroups.values()) {
          if (bg.inCacheTree && !bg.itemInserted) {
            c.notes.push({ kind: "undecided", why: `write_one_cache_group of an unknown block group while the item of ${hex(bg.start)} is not inserted yet (pid ${bg.newBgsOf ?? "?"}): it may be that one (-ENOENT)` });
            break;
          }
        }
      }
      return s;
    }
    const next = ensureBg(s, b);
    const bg = bgOf(next, b);
    const k = key(b);
    if (!bg.inCacheTree) {
      violation(c, "write_removed_bg", `write_one_cache_group: block group ${hex(b)} was removed at seq ${bg.removedAtSeq ?? "?"}; its item is gone (-ENOENT)`);
      return next;
    }
    if (bg.itemInserted) return { ...next, dirtyBgs: next.dirtyBgs.remove(k) };
    if (plan === "requeue") {
      c.notes.push({ kind: "info", message: `btrfs_start_dirty_block_groups: -ENOENT for block group ${hex(b)} ignored, re-queued on dirty_bgs` });
      return addDirty(next, k, true);
    }
    if (next.itemsUnknown) {
      c.notes.push({ kind: "undecided", why: `write_one_cache_group: block group ${hex(b)} may lack its item, but the trace does not show phase 2 (no btrfs_create_pending_block_groups)` });
      return { ...next, dirtyBgs: next.dirtyBgs.remove(k) };
    }
    const owner = bg.newBgsOf !== null ? ` (still on the new_bgs list of pid ${bg.newBgsOf})` : "";
    const where = phase === "early" ? "btrfs_start_dirty_block_groups" : phase === "critical" ? "btrfs_write_dirty_block_groups" : "cache writeout";
    c.notes.push({
      kind: "effect",
      effect: "transaction_abort_enoent",
      message: `write_one_cache_group: no block group item for ${hex(b)} in the extent tree${owner}: -ENOENT in ${where}, btrfs_abort_transaction (error -2), filesystem forced read-only`,
    });
    return next;
  },

  commit_done: (s, e) => {
    let actors = s.actors;
    for (const pid of s.phased) {
      const a = actors.get(String(pid));
      if (a) actors = actors.set(String(pid), { ...a, phase: "none" });
    }
    return { ...s, commits: s.commits + 1, lastGen: e.data.gen ?? s.lastGen, actors, phased: [] };
  },

  scrub_dev_extent: (s, e, c) => {
    const b = e.data.bytenr;
    if (b === null) return s;
    let next = ensureBg(s, b);
    const m = mapOf(next, b);
    if (!visibleInCommitRoot(next, m.devExtentsDeletedAt)) {
      c.notes.push({
        kind: "warning",
        code: "dev_extent_not_in_commit_root",
        message: `scrub_enumerate_chunks: device extent of chunk ${hex(b)} was deleted in transaction ${(m.devExtentsDeletedAt ?? 0) + 1}, already committed: not in the commit root`,
      });
    }
    const { devid, physical } = e.data;
    if (devid !== null && physical !== null) {
      const dk = devKey(devid, physical);
      if (!next.devExtents.has(dk)) {
        const sl = stripeLength(m.type, m.len, m.stripes?.length ?? 0);
        next = { ...next, devExtents: next.devExtents.set(dk, { devid, physical, len: sl, chunk: b, deletedAt: m.devExtentsDeletedAt }) };
        next = setMap(next, { ...m, extents: [...m.extents, dk] });
      }
    }
    return next;
  },

  scrub_chunk: (s, e, c) => {
    const b = e.data.bytenr;
    if (b === null) {
      // §4.7 (b)
      for (const m of s.maps.values()) {
        if (!m.inTree && c.rules.hooks.scrubMissingMap(s.blockGroups.get(key(m.start))) === "einval") {
          c.notes.push({ kind: "undecided", why: `scrub_chunk of an unknown chunk while the extent map of ${hex(m.start)} is gone: it may be that chunk (-EINVAL)` });
          break;
        }
      }
      return s;
    }
    const next = ensureBg(s, b);
    const m = mapOf(next, b);
    if (m.inTree) return next;
    const bg = next.blockGroups.get(key(b));
    if (c.rules.hooks.scrubMissingMap(bg) === "skip") {
      c.notes.push({ kind: "info", message: `scrub_chunk: no extent map for chunk ${hex(b)}, block group removed: returns 0` });
      return next;
    }
    const by = bg?.removedBy != null ? ` (block group removed by pid ${bg.removedBy} at seq ${bg.removedAtSeq})` : "";
    c.notes.push({
      kind: "effect",
      effect: "scrub_einval",
      message: `scrub_chunk: no extent map for chunk ${hex(b)}${by}: -EINVAL, scrub errors out to user space`,
    });
    return next;
  },

  eb_write: (s, e, c) => {
    const b = e.data.bytenr;
    if (b === null) return s;
    const m = containingMap(s, b);
    if (!m) return s; // a chunk older than the trace: −∞, never "allocated after" a discard
    if (!m.inTree) {
      violation(c, "write_to_removed_chunk", `btrfs_map_block: metadata write at ${hex(b)} in chunk ${hex(m.start)}, whose extent map was removed at seq ${m.removedAtSeq ?? "?"}`);
      return s;
    }
    const ranges = physicalRanges(m, b, e.data.len);
    if (ranges) c.notes.push({ kind: "info", message: `btrfs_map_block: ${hex(b)} → ${ranges.map((r) => `dev ${r.devid} ${hex(r.physical)}`).join(", ")}` });
    if (s.openDiscards.length === 0 || m.allocatedAt === null) return s;
    let next = s;
    for (const pid of s.openDiscards) {
      const a = actorOf(next, pid);
      const d = a.discard;
      if (!d || d.hit || m.allocatedAt <= d.startedAt) continue;
      if (ranges === null || d.devid === null || d.physical === null || d.len === null) {
        if (!d.unknownWrite && ranges === null) next = setActor(next, { ...a, discard: { ...d, unknownWrite: { seq: c.seq, line: c.line } } });
        continue;
      }
      const dEnd = d.physical + d.len;
      const r = ranges.find((x) => x.devid === d.devid && overlaps(x.physical, x.end, d.physical!, dEnd));
      if (r) {
        next = setActor(next, {
          ...a,
          discard: { ...d, hit: { seq: c.seq, line: c.line, logical: b, chunk: m.start, devid: r.devid, physical: r.physical } },
        });
      }
    }
    return next;
  },

  assert_fail: (s) => s,
  trans_abort: (s) => s,
  trace_gap: (s) => s,
};

function endTrim(s: FsState, a: Actor, c: ApplyCtx): FsState {
  const t = a.trim;
  let next = setActor(s, { ...a, trim: null });
  if (!t || !t.counted || t.bg === null) return next;
  const bg = next.blockGroups.get(key(t.bg));
  if (!bg) return next;
  const trimming = Math.max(0, bg.trimming - 1);
  next = setBg(next, { ...bg, trimming });
  if (trimming === 0 && bg.removed) {
    const k = key(t.bg);
    const m = next.maps.get(k);
    if (m?.pinned) {
      next = setMap(next, { ...m, pinned: false, inTree: false });
      next = { ...next, pinnedChunks: next.pinnedChunks.filter((x) => x !== k) };
      c.notes.push({ kind: "info", message: `btrfs_put_block_group_trimming: last trimmer of ${hex(t.bg)} gone, extent map dropped` });
    }
  }
  return next;
}

/** Makes sure the acting task has an actor record (comm from the event). */
export function ensureActor(s: FsState, pid: number, comm: string | null): FsState {
  const a = s.actors.get(String(pid));
  if (a) return a.comm === null && comm !== null ? setActor(s, { ...a, comm }) : s;
  return setActor(s, newActor(pid, comm));
}

/**
 * Applies one event: actor bootstrap, the type's handler, the application
 * index. Returns the new state; what happened is pushed on `c.notes`.
 */
export function applyEvent(s: FsState, e: RaceEvent, c: ApplyCtx): FsState {
  const withActor = ensureActor(s, e.origin.pid, e.origin.comm);
  const handler = HANDLERS[e.type] as Handler<EventType>;
  const next = handler(withActor, e, c);
  if (next !== withActor && next !== s) {
    // Made by this handler and not seen by anyone yet: count in place instead of copying again.
    (next as { applied: number }).applied = next.applied + 1;
    return next;
  }
  return { ...next, applied: next.applied + 1 };
}

/** The plain fold of one event (no scheduling), for callers that only want the state. */
export function evolve(s: FsState, e: RaceEvent, rules: RuleSet, seq = 0): FsState {
  return applyEvent(s, e, { rules, seq, line: e.origin.line, deferred: false, synthetic: false, reordering: rules.reorders, notes: [] });
}
