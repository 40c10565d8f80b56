/**
 * Footprints for partial-order reduction: what pushing an actor's next event
 * may read and write, from its type and bytenr (DOMAIN §3) and the state of
 * the locks the fixes add (§4.3). Two pushes of different actors whose footprints do not
 * conflict commute: either order gives the same state. Conservative by
 * construction (a resource too many only costs reduction); the explorer's
 * `verifyIndependence` option checks every independence claim concretely.
 *
 * Resources:
 *   bg:<b> map:<b>      block group b, its extent map (bootstrap of b writes both)
 *   bg:* map:*          (read only) a scan of all block groups / extent maps
 *   dev                 device extents
 *   commits             k, the committed-transaction count
 *   pinned              fs_info->pinned_chunks
 *   (the dirty_bgs list: membership of b goes with bg:<b>; its order shows only in views)
 *   phase               the commit phase of every actor (commit_done resets all)
 *   discards            the open discards (eb_write marks any of them hit)
 *   stamp               order of application of chunk allocations and discard starts
 *   unboundRo           actors' unbound set_ro counts (recomputed checks read them)
 *   newbgs:<pid>, trim:<pid>   a task's new_bgs list, its trim in progress
 *   handles             which tasks hold a transaction handle (a commit waits for them)
 *   lock:<name>         a lock a fix adds (holder, waiters)
 *   queue:<pid>         the actor's deferred events (private)
 * `all` conflicts with everything: releasing a lock to a waiter runs the waiter's
 * deferred events, whatever they touch.
 */
import type { RaceEvent } from "../events/types.ts";
import { lockState } from "../projections/state.ts";
import type { Engine, EngineEvent } from "../replay/engine.ts";
import type { RuleSet } from "../rules/types.ts";
import { isWaiting } from "./engine-state.ts";

export interface Footprint {
  readonly all: boolean;
  readonly reads: readonly string[];
  readonly writes: readonly string[];
  /** Updates that commute with each other (`used += len`), not with any other access of the resource. */
  readonly adds?: readonly string[];
}

const ALL: Footprint = { all: true, reads: [], writes: [] };

function bytenrOf(ev: RaceEvent): bigint | null {
  return (ev.data as { bytenr?: bigint | null }).bytenr ?? null;
}

/** Footprint of the event's own effect on the filesystem state (its handler, DOMAIN §3). */
export function eventFootprint(ev: RaceEvent, fs: Engine["fs"]): Footprint {
  const r: string[] = [];
  const w: string[] = [];
  const rw = (...xs: string[]) => {
    for (const x of xs) w.push(x);
  };
  const b = bytenrOf(ev);
  const subject = () => {
    if (b !== null) rw(`bg:${b}`, `map:${b}`);
  };
  const pid = ev.origin.pid;
  const actor = fs.actors.get(String(pid));
  switch (ev.type) {
    case "unused_bg_check":
      subject();
      // A deferred check is recomputed from the bg and the others' unbound set_ro.
      r.push("unboundRo");
      break;
    case "set_ro":
    case "clear_ro":
      if (b === null) rw("unboundRo");
      else subject();
      break;
    case "relocate_chunk":
    case "relocate_bg":
    case "chunk_free":
      subject();
      break;
    case "remove_chunk":
      if (b === null) {
        r.push("map:*");
        break;
      }
      subject();
      rw("dev");
      r.push("commits");
      // The completion rule may remove the block group right after (DOMAIN §4.5).
      removeBgFootprint(b, fs, r, w);
      break;
    case "remove_block_group":
      if (b !== null) removeBgFootprint(b, fs, r, w);
      break;
    case "trim_bg":
      rw(`trim:${pid}`);
      if (actor?.trim?.bg != null) endTrimFootprint(actor.trim.bg, w);
      subject();
      break;
    case "trim_bg_end":
      rw(`trim:${pid}`);
      if (actor?.trim?.bg != null) endTrimFootprint(actor.trim.bg, w);
      break;
    case "discard_start":
      rw("discards", "stamp");
      if (actor?.discard?.bg != null) rw(`bg:${actor.discard.bg}`);
      subject();
      break;
    case "discard_end":
      rw("discards");
      if (actor?.discard?.bg != null) rw(`bg:${actor.discard.bg}`);
      break;
    case "chunk_alloc":
      if (b === null) break;
      rw(`map:${b}`, "dev", "stamp");
      r.push("map:*", "pinned", "commits");
      break;
    case "bg_create":
      if (b === null) break;
      subject();
      rw(`newbgs:${pid}`, "stamp");
      break;
    case "bg_items_insert":
      rw(`newbgs:${pid}`);
      for (const k of actor?.newBgs ?? []) rw(`bg:${k}`);
      break;
    case "bg_alloc":
      // used += len and "b is dirty": two allocations in b commute.
      if (b === null) break;
      return { all: false, reads: [], writes: [], adds: [`bg:${b}`, `map:${b}`] };
    case "writeout_critical":
      // Waits for the other tasks' transaction handles (semantics.ts rule 3).
      r.push("handles");
      rw("phase");
      break;
    case "commit_start":
    case "writeout_early":
    case "writeout_end":
      rw("phase");
      break;
    case "write_cache_group":
      r.push("phase");
      if (b === null) r.push("bg:*");
      else subject();
      break;
    case "commit_done":
      r.push("handles");
      rw("commits", "phase");
      break;
    case "scrub_dev_extent":
      if (b === null) break;
      subject();
      rw("dev");
      r.push("commits");
      break;
    case "scrub_chunk":
      if (b === null) r.push("map:*", "bg:*");
      else subject();
      break;
    case "eb_write": {
      if (b === null) break;
      // The chunk holding b: the map with the greatest start <= b, and, when
      // that map's length is unknown, its block group's length.
      r.push("map:*");
      if (!fs.maps.has(b.toString())) {
        const starts = fs.mapStarts;
        let cand: bigint | null = null;
        for (const st of starts) if (st <= b) cand = st;
        if (cand !== null) r.push(`bg:${cand}`);
      }
      rw("discards");
      break;
    }
    case "assert_fail":
    case "trans_abort":
      break;
    case "trace_gap":
      return ALL;
  }
  return { all: false, reads: r, writes: w };
}

function removeBgFootprint(b: bigint, fs: Engine["fs"], r: string[], w: string[]): void {
  w.push(`bg:${b}`, `map:${b}`, "pinned");
  r.push("commits");
  // Its creator's new_bgs list loses it (the owner is read from bg:b, in the footprint).
  const owner = fs.blockGroups.get(b.toString())?.newBgsOf ?? null;
  if (owner !== null) w.push(`newbgs:${owner}`);
}

function endTrimFootprint(bg: bigint, w: string[]): void {
  w.push(`bg:${bg}`, `map:${bg}`, "pinned");
}



/**
 * Footprint of pushing `e` (actor `pid`'s next recorded event) into the
 * engine in its current state: the event's own footprint plus what the
 * scheduler does around it (§4.3). `handleEdge`: the event opens or closes a
 * transaction-handle window of its task (semantics.ts rule 3).
 */
export function pushFootprint(eng: Engine, rules: RuleSet, e: EngineEvent, handleEdge = false): Footprint {
  const pid = e.ev.origin.pid;
  // A waiting actor's event only joins its queue.
  if (isWaiting(eng, pid)) return { all: false, reads: [], writes: [`queue:${pid}`] };
  let own = eventFootprint(e.ev, eng.fs);
  if (own.all) return own;
  if (handleEdge) own = { ...own, writes: [...own.writes, "handles"] };
  if (rules.locks.length === 0) return own;
  const taken = e.ann !== null && e.ann.first ? rules.locksTakenBy(e.ann.kind).map((t) => t.lock) : [];
  const held = rules.locks.map((l) => l.name).filter((name) => lockState(eng.fs, name).holder === pid);
  if (taken.length === 0 && held.length === 0) return own;
  // Acquiring, blocking on or releasing a lock. A release with waiters runs their deferred events.
  if (held.some((name) => lockState(eng.fs, name).waiters.length > 0)) return ALL;
  const locks = [...new Set([...taken, ...held])].map((name) => `lock:${name}`);
  return { ...own, writes: [...own.writes, ...locks, `queue:${pid}`] };
}

function touches(accessed: readonly string[], written: string): boolean {
  for (const a of accessed) {
    if (a === written) return true;
    if (a.endsWith(":*") && written.startsWith(a.slice(0, -1))) return true;
  }
  return false;
}

/** Do two pushes (of different actors) fail to commute? */
export function conflicts(a: Footprint, b: Footprint): boolean {
  if (a.all || b.all) return true;
  for (const x of a.writes) if (touches(b.writes, x) || touches(b.reads, x) || touches(b.adds ?? [], x)) return true;
  for (const x of b.writes) if (touches(a.reads, x) || touches(a.adds ?? [], x)) return true;
  // An add commutes with another add only.
  for (const x of a.adds ?? []) if (touches(b.reads, x)) return true;
  for (const x of b.adds ?? []) if (touches(a.reads, x)) return true;
  return false;
}
