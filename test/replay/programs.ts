/**
 * The four canonical actor programs (DOMAIN §5), as a kernel would run them:
 * each step looks at the state the unpatched kernel is in at that moment
 * (what it would see and record) and yields its event, waits, or ends the
 * program (a skip, a lookup that fails, a crash). Interleaving them in any
 * order gives traces an unpatched kernel could have recorded.
 */
import type { RaceEvent } from "../../src/events/types.ts";
import { evolve } from "../../src/projections/evolve.ts";
import { type FsState, initialState } from "../../src/projections/state.ts";
import { UNPATCHED } from "../../src/rules/index.ts";

/** An event (`last`: the program ends after it), or wait, end now, or no event at this step. */
type Step = (s: FsState) => { ev: Omit<RaceEvent, "origin" | "chain">; last?: boolean } | "wait" | "end" | "none";
interface Program {
  readonly pid: number;
  readonly comm: string;
  readonly steps: readonly Step[];
}

const ev = (type: string, data: Record<string, unknown> = {}) => ({ ev: { type, data } as unknown as Omit<RaceEvent, "origin" | "chain"> });
const bg = (s: FsState, b: bigint) => s.blockGroups.get(b.toString());
const map = (s: FsState, b: bigint) => s.maps.get(b.toString());
const live = (s: FsState, b: bigint) => bg(s, b)?.inCacheTree ?? true;
const chunkItem = (s: FsState, b: bigint) => (map(s, b)?.devExtentsDeletedAt ?? null) === null && live(s, b);
const M = 1n << 20n;
/** btrfs_remove_chunk and its btrfs_remove_block_group run under one transaction handle: no commit in between. */
const midRemoval = (s: FsState) => [...s.maps.values()].some((m) => m.devExtentsDeletedAt !== null && m.inTree && !m.pinned && (s.blockGroups.get(m.start.toString())?.inCacheTree ?? false));
const commitBlocked = (s: FsState, self: number) => midRemoval(s) || [...s.actors.values()].some((a) => a.pid !== self && a.phase !== "none");

/** The cleaner's own check: proceed iff in the cache tree, ro == 0, nothing reserved. */
function check(b: bigint): Step {
  return (s) => {
    const g = bg(s, b);
    const proceed = !g || (g.inCacheTree && g.ro === 0 && g.reserved === 0n && g.reservedUnknown === 0);
    // a skip ends this deletion
    return { ...ev("unused_bg_check", { bytenr: b, outcome: proceed ? "proceed" : "skip", used: null }), last: !proceed };
  };
}
/** remove_chunk; without an extent map the kernel crashed (ASSERT): the program ends after it. */
const removeChunk = (b: bigint): Step => (s) => ({ ...ev("remove_chunk", { bytenr: b }), last: map(s, b)?.inTree === false });

function deletion(pid: number, b: bigint): Program {
  return { pid, comm: "btrfs-cleaner", steps: [check(b), () => ev("set_ro", { bytenr: b, flag: false }), removeChunk(b), () => ev("remove_block_group", { bytenr: b })] };
}

export function programs(): Program[] {
  const X1 = 0x10000000n, X2 = 0x20000000n, X3 = 0x30000000n, X4 = 0x40000000n, Y2 = 0x50000000n;
  const R = 0x400000000n;
  return [
    // 5.1 balance vs unused-bg deletion
    {
      pid: 101,
      comm: "btrfs",
      steps: [
        (s) => (chunkItem(s, X1) ? ev("relocate_chunk", { bytenr: X1 }) : "end"), // balance finds the chunk item
        () => ev("relocate_bg", { bytenr: X1 }),
        () => ev("set_ro", { bytenr: X1, flag: false }),
        removeChunk(X1),
        () => ev("remove_block_group", { bytenr: X1 }),
      ],
    },
    deletion(102, X1),
    // 5.2 trim vs bg removal
    {
      pid: 201,
      comm: "fstrim",
      steps: [
        (s) => (live(s, X2) ? ev("trim_bg", { bytenr: X2 }) : "end"),
        () => ev("discard_start", { bytenr: X2, devid: 1, physical: R, len: M }),
        () => ev("discard_end", { bytenr: X2 }),
        () => ev("trim_bg_end", { bytenr: X2 }),
      ],
    },
    deletion(202, X2),
    // one commit at a time: not while another task is inside its cache writeout
    { pid: 203, comm: "btrfs-transaction", steps: [(s) => (commitBlocked(s, 203) ? "wait" : ev("commit_done", { gen: 100 }))] },
    {
      pid: 204,
      comm: "kworker/u4:2",
      steps: [
        (s) => {
          // the allocator reuses R once X2's device extents are gone from the commit root
          const m = map(s, X2);
          const free = m && m.devExtentsDeletedAt !== null && s.commits > m.devExtentsDeletedAt;
          return ev("chunk_alloc", { bytenr: Y2, len: 256n * M, type: 4, stripes: [{ devid: 1, physical: free ? R : 0x900000000n }] });
        },
        () => ev("bg_create", { bytenr: Y2, len: 256n * M, flags: 4 }),
      ],
    },
    { pid: 205, comm: "kworker/u4:5", steps: [(s) => (bg(s, Y2) ? ev("eb_write", { bytenr: Y2 + 0x4000n, len: 16384n }) : "wait")] },
    // 5.3 bg creation vs cache writeout
    {
      pid: 301,
      comm: "kworker/u16:3",
      steps: [
        () => ev("chunk_alloc", { bytenr: X3, len: 1024n * M, type: 1, stripes: [{ devid: 2, physical: 0x100000000n }] }),
        () => ev("bg_create", { bytenr: X3, len: 1024n * M, flags: 1 }),
        () => ev("bg_items_insert"),
      ],
    },
    {
      pid: 302,
      comm: "fsstress",
      steps: [
        (s) => (bg(s, X3) ? ev("bg_alloc", { bytenr: X3, start: X3, len: 4096n }) : "wait"),
        () => ev("commit_start"),
        () => ev("writeout_early"),
        (s) => (s.dirtyBgs.has(X3.toString()) ? ev("write_cache_group", { bytenr: X3 }) : "none"),
        // the critical section waits until every other writer ended its handle
        (s) => ([...s.actors.values()].some((a) => a.newBgs.length > 0) ? "wait" : ev("writeout_critical")),
        (s) => (s.dirtyBgs.has(X3.toString()) ? ev("write_cache_group", { bytenr: X3 }) : "none"),
        (s) => (commitBlocked(s, 302) ? "wait" : ev("commit_done", { gen: 101 })),
      ],
    },
    // 5.4 scrub vs bg deletion
    deletion(401, X4),
    {
      pid: 402,
      comm: "btrfs",
      steps: [
        (s) => {
          const m = map(s, X4);
          const visible = !m || m.devExtentsDeletedAt === null || m.devExtentsDeletedAt === s.commits;
          return visible ? ev("scrub_dev_extent", { bytenr: X4, devid: 3, physical: 0x7c400000n }) : "end";
        },
        (s) => (live(s, X4) ? ev("set_ro", { bytenr: X4, flag: false }) : "end"),
        () => ev("scrub_chunk", { bytenr: X4 }),
        () => ev("clear_ro", { bytenr: X4, flag: false }),
      ],
    },
  ];
}

/** Programs of one race (by the pid hundreds), or all. */
export function programsOf(race: 1 | 2 | 3 | 4 | "all"): Program[] {
  return programs().filter((p) => race === "all" || Math.floor(p.pid / 100) === race);
}

/** Interleaves programs following `choices` (index among the actors able to move). */
export function interleave(progs: readonly Program[], choices: readonly number[]): RaceEvent[] {
  let s = initialState({ itemsUnknown: false });
  const pc = progs.map(() => 0);
  const ended = progs.map(() => false);
  const out: RaceEvent[] = [];
  let c = 0;
  for (;;) {
    // advance "none" steps and collect who can move
    const ready: number[] = [];
    for (let i = 0; i < progs.length; i++) {
      while (!ended[i] && pc[i]! < progs[i]!.steps.length) {
        const r = progs[i]!.steps[pc[i]!]!(s);
        if (r === "none") pc[i]!++;
        else if (r === "end") ended[i] = true;
        else break;
      }
      if (!ended[i] && pc[i]! < progs[i]!.steps.length && progs[i]!.steps[pc[i]!]!(s) !== "wait") ready.push(i);
    }
    if (ready.length === 0) break;
    const i = ready[(choices[c++ % Math.max(1, choices.length)] ?? 0) % ready.length]!;
    const r = progs[i]!.steps[pc[i]!]!(s) as { ev: Omit<RaceEvent, "origin" | "chain">; last?: boolean };
    const e = { ...r.ev, origin: { line: null, lineSeq: 0, pid: progs[i]!.pid, comm: progs[i]!.comm, cpu: null, ts: null }, chain: null } as RaceEvent;
    s = evolve(s, e, UNPATCHED);
    out.push(e);
    pc[i]!++;
    if (r.last) ended[i] = true;
  }
  return out;
}
