/**
 * What changes when the replay runs a schedule the explorer made rather than
 * a recorded one. The replay engine trusts a recording where only a
 * recording can know; a made-up order has to work those things out:
 *
 * 1. The cleaner's check (`unused_bg_check`) keeps its recorded outcome in a
 *    recording (the model cannot see every reason to skip, DOMAIN §3). Moved
 *    by a schedule it is recomputed, as the engine does for a check that a
 *    lock deferred: proceed iff the block group is in the cache tree, ro == 0
 *    and nothing is reserved; a recorded skip stays a skip. (Otherwise a
 *    schedule would have the cleaner delete a block group balance had just
 *    set read-only or removed.)
 * 2. A chunk allocation is placed as the allocator would place it in the new
 *    order: off device ranges still in the commit root (the engine does this
 *    whenever a rule set's locks reorder; the recorded placement was only
 *    valid in the recorded schedule).
 * 3. Transaction handles (`transactionHandles`): a commit (`commit_done`) and
 *    the critical cache writeout (`writeout_critical`) wait until the other
 *    tasks' handles end (btrfs_commit_transaction waits for num_writers ==
 *    1). A task holds a handle from `remove_chunk` to `remove_block_group` of
 *    one block group (btrfs_remove_chunk and btrfs_remove_block_group run in
 *    one transaction), and from its chunk allocation / `bg_create` to its
 *    `bg_items_insert` (phase 2 runs when that handle ends). No recording
 *    shows a commit inside those windows; the explorer schedules none.
 *
 * A saved counterexample writes 1 and 2 into its events (the recomputed
 * outcome, the placed stripes), so the normal check of the saved trace
 * replays it exactly (`counterexample.ts`).
 */
import type { EventType } from "../events/types.ts";
import type { Engine, EngineEvent } from "../replay/engine.ts";
import { isWaiting } from "./engine-state.ts";

/** The options of the explorer's engine (rule 1: every proceeding check is recomputed where it is applied). */
export const EXPLORE_ENGINE_OPTIONS = { recomputeChecks: true, reschedules: true } as const;

/** A window of a task's program in which it holds a transaction handle: events start..end (program indices). */
export interface HandleWindow {
  readonly start: number;
  readonly end: number;
  /** The removal chain, which a skipped check may cut (then no handle is taken); null for a creation. */
  readonly chain: number | null;
}

/** Events that wait for the other tasks' handles. */
export const WAITS_FOR_HANDLES: ReadonlySet<EventType> = new Set<EventType>(["commit_done", "writeout_critical"]);

export function handleWindows(steps: readonly EngineEvent[]): HandleWindow[] {
  const out: HandleWindow[] = [];
  let creation: number | null = null;
  steps.forEach((e, i) => {
    const t = e.ev.type;
    if (t === "remove_chunk" && e.ann && (e.ann.kind === "relocation" || e.ann.kind === "deletion") && e.ann.hasRemoveBg) {
      const key = e.ann.key;
      const j = steps.findIndex((x, k) => k > i && x.ann?.key === key && x.ev.type === "remove_block_group");
      if (j > i) out.push({ start: i, end: j, chain: key });
    }
    if ((t === "chunk_alloc" || t === "bg_create") && creation === null) creation = i;
    if (t === "bg_items_insert" && creation !== null) {
      out.push({ start: creation, end: i, chain: null });
      creation = null;
    }
  });
  return out;
}

/** Program indices that open or close a handle window (their pushes change who may commit). */
export function windowEdges(windows: readonly HandleWindow[]): Set<number> {
  const s = new Set<number>();
  for (const w of windows) {
    s.add(w.start);
    s.add(w.end);
  }
  return s;
}

/**
 * Does the task hold a transaction handle at program index `pc` (its next
 * event)? Not while it waits for a lock, nor in a removal a skipped check cut.
 */
export function holdsHandle(eng: Engine, windows: readonly HandleWindow[], pid: number, pc: number): boolean {
  for (const w of windows) {
    if (w.start < pc && pc <= w.end) {
      if (isWaiting(eng, pid)) return false;
      return w.chain === null || !eng.scheduler().cut.has(w.chain);
    }
  }
  return false;
}

/** Must actor `a`'s next event (a commit or the critical writeout) wait because another task holds a handle (rule 3)? */
export function waitsForHandle(
  eng: Engine,
  actors: readonly { readonly pid: number }[],
  steps: readonly (readonly EngineEvent[])[],
  windows: readonly (readonly HandleWindow[])[],
  pcs: readonly number[],
  a: number,
): boolean {
  const next = steps[a]![pcs[a]!];
  if (!next || !WAITS_FOR_HANDLES.has(next.ev.type) || isWaiting(eng, actors[a]!.pid)) return false;
  for (let x = 0; x < actors.length; x++) if (x !== a && holdsHandle(eng, windows[x]!, actors[x]!.pid, pcs[x]!)) return true;
  return false;
}
