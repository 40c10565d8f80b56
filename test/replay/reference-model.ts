/**
 * A reference model of DOMAIN.md for the property test: it judges the traces
 * the canonical programs (programs.ts) make — the verdict and the findings
 * (race, effect and seq of each, the first one first) — under any set of the
 * four fixes. It is
 * written from DOMAIN.md §2–§5 and docs/interpretations.md alone and shares
 * no code with src/ (only the event types: the event union is the contract),
 * so that racelab's replay is compared with something not derived from it.
 *
 * It is small on purpose. It knows what those traces exercise — block
 * groups, chunk maps and their device ranges, commits, the dirty list and the
 * writeout phases, trims and discards, metadata writes, lock M — and throws on
 * anything else (an unbound event, a gap, a task with two lock chains, a
 * striped profile), so that a generator that outgrows it fails loudly
 * instead of being judged wrongly.
 *
 * Two parts: `Kernel`, the state and what each event does to it (§2, §3,
 * the fixes' local changes), applied in whatever order it is given; and
 * `judge`, which decides that order under lock M (§4.3) and stops at the
 * first effect (§4.2). The generator drives a `Kernel` without fixes to
 * decide what an unpatched kernel would do next.
 */
import type { RaceEvent, Stripe } from "../../src/events/types.ts";

/** The fix ids of DOMAIN §1, in the table's order. */
export const FIXES = ["delete-unused-bgs-mutex", "pin-chunks-during-trim", "retry-enoent-cache-writeout", "scrub-skip-removed-chunk"] as const;
export type Fix = (typeof FIXES)[number];

/** The effect each race of DOMAIN §5 ends in. */
export const RACE_OF_EFFECT = {
  assertion_failure: "balance-vs-unused-bg-deletion",
  discard_overwrites_metadata: "trim-vs-bg-removal",
  transaction_abort_enoent: "bg-creation-vs-cache-writeout",
  scrub_einval: "scrub-vs-bg-deletion",
} as const;
type RaceEffect = keyof typeof RACE_OF_EFFECT;
/** `invariant`: the trace breaks the model itself (a bg removed twice, …), interpretations §4.2. */
export type Effect = RaceEffect | "invariant";

export interface Finding {
  /** The race of a race effect; null for `invariant`. */
  readonly race: string | null;
  readonly effect: Effect;
  /** Seq (1-based position in the trace) of the event that had the effect. */
  readonly seq: number;
}

export interface Judgement {
  readonly verdict: "bug" | "clean" | "undecidable";
  /** In application order: `invariant` ones, then at most one race effect (the replay stops there). */
  readonly findings: readonly Finding[];
}

// ---------------------------------------------------------------- state (§2)

interface BlockGroup {
  /** In the cache tree; false = tombstone (§2), never re-created. */
  live: boolean;
  ro: number;
  reserved: bigint;
  /** Phase 2 of creation done: the bg item is in the extent tree. */
  itemInserted: boolean;
  /** Fix 001 (and 003) bookkeeping. */
  removed: boolean;
  trimming: number;
}

interface DevRange {
  readonly devid: number;
  readonly start: bigint;
  readonly end: bigint;
}

interface ChunkMap {
  readonly start: bigint;
  readonly len: bigint | null;
  /** Where its stripes were placed (after any shift); null = unknown (bootstrapped). */
  readonly stripes: readonly Stripe[] | null;
  inTree: boolean;
  pinned: boolean;
  /** Device ranges known to belong to the chunk: its stripes and what its trims discarded. */
  devRanges: DevRange[];
  /** Application index of its `chunk_alloc`; −∞ for a chunk that existed before the trace. */
  readonly allocatedAt: number;
  /** The commit count k when its device extents were deleted; null while they are live. */
  deletedAt: number | null;
}

interface Discard {
  readonly range: DevRange;
  readonly startedAt: number;
  /** The bg whose `reserved` this discard raised, if it did. */
  readonly reservedOn: BlockGroup | null;
  readonly len: bigint;
}

interface Task {
  phase: "none" | "early" | "critical";
  /** Block groups it created whose phase 2 is pending (one transaction handle per task). */
  newBgs: bigint[];
  /** Its trim in progress; `noop` when fix 001 found the bg already removed at `trim_bg`. */
  trim: { readonly bytenr: bigint; readonly bg: BlockGroup; readonly noop: boolean } | null;
  discard: Discard | null;
}

interface MetadataWrite {
  readonly at: number;
  readonly chunkAllocatedAt: number;
  readonly ranges: readonly DevRange[];
}

/** Profiles whose chunks are striped (DOMAIN §2: physical address unknown). */
const STRIPED = 8 | 64 | 128 | 256; // RAID0, RAID10, RAID5, RAID6

const overlaps = (a: DevRange, b: DevRange) => a.devid === b.devid && a.start < b.end && b.start < a.end;

function bytenrOf(e: RaceEvent): bigint {
  const b = (e.data as { bytenr?: bigint | null }).bytenr;
  if (b === undefined || b === null) throw new Error(`reference model: ${e.type} without a bound bytenr is outside what it models`);
  return b;
}

/**
 * The filesystem as the events leave it (DOMAIN §2, §3). `apply` returns the
 * effect an event has, or "ok"; it never stops: stopping at the first effect
 * is the replay's business (§4.2), and the generator goes on past a crash.
 */
export class Kernel {
  /** k (§2): commits applied so far. */
  private k = 0;
  private readonly bgs = new Map<bigint, BlockGroup>();
  private readonly maps = new Map<bigint, ChunkMap>();
  private readonly tasks = new Map<number, Task>();
  /** Dirty block groups, in order. */
  private dirty: bigint[] = [];
  private readonly writes: MetadataWrite[] = [];
  /** Application index: counts every applied event, synthetic ones included (interpretations §3 `allocatedAt`). */
  private clock = 0;

  constructor(private readonly fixes: ReadonlySet<Fix> = new Set()) {}

  get commits(): number {
    return this.k;
  }
  bg(b: bigint): Readonly<BlockGroup> | undefined {
    return this.bgs.get(b);
  }
  map(b: bigint): Readonly<ChunkMap> | undefined {
    return this.maps.get(b);
  }
  isDirty(b: bigint): boolean {
    return this.dirty.includes(b);
  }
  allTasks(): ReadonlyMap<number, Readonly<Task>> {
    return this.tasks;
  }

  /** The cleaner's own check (§3): proceed iff in the cache tree, not read-only, nothing reserved. */
  checkProceeds(b: bigint): boolean {
    const g = this.bgs.get(b);
    return !g || (g.live && g.ro === 0 && g.reserved === 0n);
  }

  apply(e: RaceEvent): Effect | "ok" {
    this.clock++;
    const t = this.taskOf(e.origin.pid);
    switch (e.type) {
      case "unused_bg_check":
      case "relocate_chunk":
      case "relocate_bg":
      case "scrub_dev_extent":
        // Their state changes (used, dev extents seen by scrub) decide nothing here.
        this.known(bytenrOf(e));
        return "ok";
      case "set_ro": {
        const g = this.known(bytenrOf(e)).bg;
        g.ro = e.data.flag ? 1 : g.ro + 1;
        return "ok";
      }
      case "clear_ro": {
        const g = this.known(bytenrOf(e)).bg;
        g.ro = e.data.flag ? 0 : Math.max(0, g.ro - 1);
        return "ok";
      }
      case "remove_chunk": {
        const { map } = this.known(bytenrOf(e));
        // ASSERT(0) in btrfs_remove_chunk: no extent map.
        if (!map.inTree) return "assertion_failure";
        // interpretations §3: "remove_chunk of a chunk whose device extents are already deleted → invariant".
        if (map.deletedAt !== null) return "invariant";
        map.deletedAt = this.k;
        return "ok";
      }
      case "remove_block_group":
        return this.removeBlockGroup(bytenrOf(e));
      case "trim_bg": {
        const g = this.known(bytenrOf(e)).bg;
        if (t.trim) throw new Error("reference model: a trim_bg inside an open trim is outside what it models");
        const noop = this.fixes.has("pin-chunks-during-trim") && g.removed;
        if (this.fixes.has("pin-chunks-during-trim") && !noop) g.trimming++;
        t.trim = { bytenr: bytenrOf(e), bg: g, noop };
        return "ok";
      }
      case "trim_bg_end": {
        // interpretations §3: trim_bg_end acts on the task's open trim, whatever bytenr it shows.
        const trim = t.trim;
        t.trim = null;
        if (!trim || trim.noop || !this.fixes.has("pin-chunks-during-trim")) return "ok";
        trim.bg.trimming--;
        if (trim.bg.trimming === 0 && trim.bg.removed) {
          // The last trimmer drops the mapping the removal kept.
          const m = this.maps.get(trim.bytenr);
          if (m?.pinned) {
            m.pinned = false;
            m.inTree = false;
          }
        }
        return "ok";
      }
      case "discard_start":
        return this.discardStart(e, t);
      case "discard_end":
        return this.discardEnd(t);
      case "chunk_alloc":
        return this.chunkAlloc(e);
      case "bg_create": {
        const b = bytenrOf(e);
        if (this.bgs.has(b)) throw new Error("reference model: bg_create of a known bg is outside what it models");
        this.bgs.set(b, { live: true, ro: 0, reserved: 0n, itemInserted: false, removed: false, trimming: 0 });
        t.newBgs.push(b);
        return "ok";
      }
      case "bg_items_insert":
        for (const b of t.newBgs) {
          const g = this.bgs.get(b)!;
          if (g.live) g.itemInserted = true;
        }
        t.newBgs = [];
        return "ok";
      case "bg_alloc": {
        const b = bytenrOf(e);
        if (!this.known(b).bg.live) return "invariant"; // interpretations §3: bg_alloc in a tombstone
        if (!this.dirty.includes(b)) this.dirty.push(b);
        return "ok";
      }
      case "commit_start":
        t.phase = "none";
        return "ok";
      case "writeout_early":
        t.phase = "early";
        return "ok";
      case "writeout_critical":
        t.phase = "critical";
        return "ok";
      case "write_cache_group":
        return this.writeCacheGroup(bytenrOf(e), t);
      case "commit_done":
        this.k++;
        for (const other of this.tasks.values()) other.phase = "none";
        return "ok";
      case "scrub_chunk": {
        const b = bytenrOf(e);
        const { bg, map } = this.known(b);
        if (map.inTree) return "ok";
        // Fix 003: a chunk whose bg was removed is skipped, not an error.
        return this.fixes.has("scrub-skip-removed-chunk") && bg.removed ? "ok" : "scrub_einval";
      }
      case "eb_write":
        return this.ebWrite(bytenrOf(e), e.data.len);
      default:
        throw new Error(`reference model: event ${e.type} is outside what it models`);
    }
  }

  /** The task of a pid, made on first sight. */
  private taskOf(pid: number): Task {
    let t = this.tasks.get(pid);
    if (!t) this.tasks.set(pid, (t = { phase: "none", newBgs: [], trim: null, discard: null }));
    return t;
  }

  /** §4.6: a bytenr first met is an existing bg with its chunk in the tree; a tombstone stays one. */
  private known(b: bigint): { bg: BlockGroup; map: ChunkMap } {
    let bg = this.bgs.get(b);
    if (!bg) this.bgs.set(b, (bg = { live: true, ro: 0, reserved: 0n, itemInserted: true, removed: false, trimming: 0 }));
    let map = this.maps.get(b);
    if (!map) {
      map = { start: b, len: null, stripes: null, inTree: true, pinned: false, devRanges: [], allocatedAt: Number.NEGATIVE_INFINITY, deletedAt: null };
      this.maps.set(b, map);
    }
    return { bg, map };
  }

  private removeBlockGroup(b: bigint): Effect | "ok" {
    const { bg, map } = this.known(b);
    if (!bg.live) return "invariant"; // interpretations §3: remove_block_group of a tombstone
    bg.live = false;
    this.dirty = this.dirty.filter((d) => d !== b);
    // interpretations §3: without an earlier remove_chunk, the device extents go now.
    if (map.deletedAt === null) map.deletedAt = this.k;
    // interpretations §1: fix 003 alone still sets `removed`.
    if (this.fixes.has("pin-chunks-during-trim") || this.fixes.has("scrub-skip-removed-chunk")) bg.removed = true;
    if (this.fixes.has("pin-chunks-during-trim") && bg.trimming > 0) map.pinned = true;
    else map.inTree = false;
    return "ok";
  }

  private discardStart(e: RaceEvent<"discard_start">, t: Task): Effect | "ok" {
    if (t.trim?.noop) return "ok"; // fix 001: a trim of a removed bg discards nothing
    if (t.discard) throw new Error("reference model: nested discards are outside what it models");
    const { devid, physical, len } = e.data;
    if (devid === null || physical === null || len === null) throw new Error("reference model: a discard of unknown range is outside what it models");
    const { bg, map } = this.known(bytenrOf(e));
    const reservedOn = bg.ro === 0 ? bg : null;
    if (reservedOn) reservedOn.reserved += len;
    const range = { devid, start: physical, end: physical + len };
    map.devRanges.push(range);
    t.discard = { range, startedAt: this.clock, reservedOn, len };
    return "ok";
  }

  private discardEnd(t: Task): Effect | "ok" {
    const d = t.discard;
    if (!d) return "ok"; // noop trim, or a warning (discard_without_start)
    t.discard = null;
    if (d.reservedOn) d.reservedOn.reserved = d.reservedOn.reserved > d.len ? d.reservedOn.reserved - d.len : 0n;
    return this.discardHitMetadata(d) ? "discard_overwrites_metadata" : "ok";
  }

  /** §3 discard_end: a metadata write since the discard began, in a chunk allocated since then, inside its range. */
  discardHitMetadata(d: Discard): boolean {
    return this.writes.some((w) => w.at > d.startedAt && w.chunkAllocatedAt > d.startedAt && w.ranges.some((r) => overlaps(r, d.range)));
  }
  openDiscards(): Discard[] {
    return [...this.tasks.values()].flatMap((t) => (t.discard ? [t.discard] : []));
  }

  private chunkAlloc(e: RaceEvent<"chunk_alloc">): Effect | "ok" {
    const { len, type, stripes } = e.data;
    const b = bytenrOf(e);
    if (this.maps.has(b)) throw new Error("reference model: chunk_alloc of a known chunk is outside what it models");
    if (len === null || type === null || (type & STRIPED) !== 0) throw new Error("reference model: only chunks of known length and linear profile are modelled");
    const placed = this.place(stripes ?? [], len);
    const m: ChunkMap = { start: b, len, stripes: placed, inTree: true, pinned: false, devRanges: placed.map((s) => ({ devid: s.devid, start: s.physical, end: s.physical + len })), allocatedAt: this.clock, deletedAt: null };
    this.maps.set(b, m);
    return "ok";
  }

  /**
   * Where the stripes land (§4.3 allocation shift). Each stripe (SINGLE/DUP/RAID1*: as long as the
   * chunk) moves to the end of whatever it overlaps until it overlaps nothing: the chunk's own earlier
   * stripes always (interpretations §4.3 "stripes of one chunk"); under fix 001 the ranges of pinned
   * chunks; under a rule set with fix 000, which replays allocations in another order than recorded,
   * the ranges of every chunk whose space is not yet reusable (interpretations §4.3 "allocation shift").
   */
  private place(stripes: readonly Stripe[], len: bigint): Stripe[] {
    const reorders = this.fixes.has("delete-unused-bgs-mutex");
    const pins = this.fixes.has("pin-chunks-during-trim");
    const taken: DevRange[] = [];
    for (const m of this.maps.values()) {
      const reusable = !m.pinned && m.deletedAt !== null && this.k > m.deletedAt;
      if ((reorders && !reusable) || (pins && m.pinned)) taken.push(...m.devRanges);
    }
    const out: Stripe[] = [];
    for (const s of stripes) {
      let start = s.physical;
      for (let hit = true; hit; ) {
        const here = { devid: s.devid, start, end: start + len };
        const r = taken.find((t) => overlaps(t, here));
        hit = r !== undefined;
        if (r) start = r.end;
      }
      out.push({ devid: s.devid, physical: start });
      taken.push({ devid: s.devid, start, end: start + len });
    }
    return out;
  }

  private writeCacheGroup(b: bigint, t: Task): Effect | "ok" {
    const g = this.known(b).bg;
    if (!g.live) return "invariant"; // interpretations §3: write_cache_group of a tombstone
    this.dirty = this.dirty.filter((d) => d !== b);
    if (g.itemInserted) return "ok";
    // Fix 002, outside the critical section: ENOENT tolerated, the bg queued again at the end
    // (interpretations §3 "fix 002 the bg stays in dirtyBgs"; the phase is the writer's own).
    if (this.fixes.has("retry-enoent-cache-writeout") && t.phase === "early") {
      this.dirty.push(b);
      return "ok";
    }
    // Nothing was written: the bg stays dirty (what the generator sees after an abort).
    this.dirty.push(b);
    return "transaction_abort_enoent";
  }

  private ebWrite(logical: bigint, len: bigint | null): Effect | "ok" {
    // interpretations §2: the chunk with the greatest start ≤ the address whose length covers it
    // (one of unknown length covers its start only).
    let m: ChunkMap | undefined;
    for (const c of this.maps.values()) {
      const covers = c.start <= logical && (c.len === null ? c.start === logical : logical < c.start + c.len);
      if (covers && (!m || c.start > m.start)) m = c;
    }
    if (!m) return "ok"; // in no known chunk: never qualifies
    if (!m.inTree) return "invariant"; // interpretations §3: a write to a chunk out of the tree
    if (m.stripes === null) return "ok"; // a chunk older than the trace (−∞): never qualifies
    const n = len ?? 1n; // interpretations §3: unknown len covers 1 byte
    const off = logical - m.start;
    this.writes.push({ at: this.clock, chunkAllocatedAt: m.allocatedAt, ranges: m.stripes.map((s) => ({ devid: s.devid, start: s.physical + off, end: s.physical + off + n })) });
    return "ok";
  }
}

// ------------------------------------------------------- replay order (§4)

/** A task's lock chain (§6.3 relocation or deletion): in these traces, all of the task's events. */
interface LockChain {
  readonly first: number;
  readonly last: number;
  /** §4.5: decided over the whole recorded chain (interpretations §4.5). */
  readonly hasRemoveBg: boolean;
}

/**
 * Every task of these traces runs one program, so a task whose first event
 * is `relocate_chunk` (balance) or `unused_bg_check` (cleaner) runs exactly
 * one relocation or deletion chain: all its events. Anything else is
 * refused.
 */
function lockChains(events: readonly RaceEvent[]): Map<number, LockChain> {
  const byPid = new Map<number, { seqs: number[]; types: string[] }>();
  events.forEach((e, i) => {
    const t = byPid.get(e.origin.pid) ?? { seqs: [], types: [] };
    t.seqs.push(i + 1);
    t.types.push(e.type);
    byPid.set(e.origin.pid, t);
  });
  const chains = new Map<number, LockChain>();
  for (const [pid, { seqs, types }] of byPid) {
    const opener = types.findIndex((t) => t === "relocate_chunk" || t === "unused_bg_check");
    if (opener < 0) continue;
    if (opener > 0 || types.lastIndexOf(types[0]!) > 0) throw new Error(`reference model: task ${pid} is not one lock chain`);
    chains.set(pid, { first: seqs[0]!, last: seqs[seqs.length - 1]!, hasRemoveBg: types.includes("remove_block_group") });
  }
  return chains;
}

interface Item {
  readonly ev: RaceEvent;
  readonly seq: number;
}

/**
 * Replays `events` (recorded order) under `fixes` and judges them (§4.2,
 * §4.3, §4.5, §4.7). Without fix 000 nothing is reordered: events apply in
 * recorded order and every check keeps its recorded outcome (interpretations
 * §4.3 "skip path under unpatched").
 */
export function judge(events: readonly RaceEvent[], fixes: Iterable<Fix>): Judgement {
  const fixSet = new Set(fixes);
  const mutex = fixSet.has("delete-unused-bgs-mutex");
  const kernel = new Kernel(fixSet);
  const chains = lockChains(events);

  // Lock M (§2): its holder, and the tasks waiting for it, first come first served.
  let holder: number | null = null;
  const waiters: number[] = [];
  /** Deferred events of each waiting task, in order. */
  const queues = new Map<number, Item[]>();
  /** Tasks whose chain was cut (a check that skips, a chunk already gone): the rest is dropped. */
  const cut = new Set<number>();
  const findings: Finding[] = [];
  let stopped = false;

  const release = (pid: number) => {
    if (holder === pid) holder = null;
  };

  const outcome = (o: Effect | "ok", seq: number, late: boolean) => {
    if (o === "ok") return;
    // interpretations §4.2: an invariant broken by a deferred event is a warning, not a finding.
    if (o === "invariant") {
      if (!late) findings.push({ race: null, effect: o, seq });
      return;
    }
    findings.push({ race: RACE_OF_EFFECT[o], effect: o, seq });
    stopped = true; // §4.2: replay stops at the first effect
  };

  /** Applies one event of a task that is not waiting; false when it must wait for M. */
  const step = ({ ev, seq }: Item, late: boolean): boolean => {
    const pid = ev.origin.pid;
    const chain = chains.get(pid);
    if (chain && cut.has(pid)) return true; // dropped (§4.3 skip path)
    if (mutex && chain && seq === chain.first) {
      // §4.3: the first event of a relocation or deletion chain takes M.
      if (holder !== null && holder !== pid) return false;
      holder = pid;
    }
    if (ev.type === "unused_bg_check") {
      // §3: the recorded outcome stands, unless M deferred the check: then the cleaner looks again.
      const proceeds = ev.data.outcome === "proceed" && (!late || kernel.checkProceeds(bytenrOf(ev)));
      kernel.apply(ev);
      if (!proceeds) {
        cut.add(pid);
        release(pid); // interpretations §4.3 "skip and M"
        return true;
      }
    } else if (mutex && ev.type === "relocate_chunk" && holder === pid && kernel.bg(bytenrOf(ev))?.live === false) {
      // interpretations §4.3: under M, balance no longer finds a chunk the cleaner removed.
      cut.add(pid);
      release(pid);
      return true;
    } else {
      const o = kernel.apply(ev);
      outcome(o, seq, late);
      if (stopped) return true;
      if (ev.type === "remove_chunk" && o === "ok" && chain && !chain.hasRemoveBg) {
        // §4.5 completion rule: the chunk's bg goes with it, at the same place.
        outcome(kernel.apply({ ...ev, type: "remove_block_group", data: { bytenr: bytenrOf(ev) } } as RaceEvent), seq, late);
        release(pid); // interpretations §4.3 "completion rule and M"
        if (stopped) return true;
      }
    }
    // interpretations §4.3: M goes right after the chain's last event in recorded order.
    if (chain && seq === chain.last) release(pid);
    return true;
  };

  /** A waiter runs its deferred events until it blocks again (back of the line) or has none left. */
  const resume = (pid: number) => {
    const q = queues.get(pid)!;
    while (q.length > 0 && !stopped) {
      if (!step(q[0]!, true)) {
        waiters.push(pid);
        return;
      }
      q.shift();
    }
    queues.delete(pid);
  };

  /** §4.3: while M is free, the waiters resume in order, before the next recorded event. */
  const drain = () => {
    while (holder === null && waiters.length > 0 && !stopped) resume(waiters.shift()!);
  };

  for (let i = 0; i < events.length && !stopped; i++) {
    const item = { ev: events[i]!, seq: i + 1 };
    const q = queues.get(item.ev.origin.pid);
    if (q) q.push(item); // a waiting task's later events wait behind it
    else if (!step(item, false)) {
      queues.set(item.ev.origin.pid, [item]);
      waiters.push(item.ev.origin.pid);
    }
    drain();
  }

  // §4.7 d: a discard still open at the end that would have hit metadata cannot be judged.
  const undecided = !stopped && kernel.openDiscards().some((d) => kernel.discardHitMetadata(d));
  return { verdict: findings.length > 0 ? "bug" : undecided ? "undecidable" : "clean", findings };
}
