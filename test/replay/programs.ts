/**
 * The four canonical actor programs (DOMAIN §5), as a kernel would run them:
 * each step looks at the state an unpatched kernel is in at that moment
 * (what it would see and record) and yields its event, waits, or ends the
 * program (a skip, a lookup that fails, a crash). Interleaving them in any
 * order gives traces an unpatched kernel could have recorded.
 *
 * The state is the reference model's `Kernel` without fixes: nothing of
 * src/ decides what the programs do, so the replay under test never shapes
 * its own input.
 *
 * Each step carries its time in the canonical interleaving of its race (the
 * step numbers of DOMAIN §5); the schedule moves those times by noise
 * (`interleave`): no noise replays §5, a little noise interleaves near the
 * race, a lot interleaves at random.
 */
import type { EventDataByType, EventType, RaceEvent } from "../../src/events/types.ts";
import { Kernel } from "./reference-model.ts";

type NewEvent = { [T in EventType]: { readonly type: T; readonly data: EventDataByType[T] } }[EventType];
/** An event (`last`: the program ends after it), or wait, end now, or no event at this step. */
type Move = { readonly ev: NewEvent; readonly last?: boolean } | "wait" | "end" | "none";
interface Step {
  /** Time of the step in the canonical interleaving of DOMAIN §5 (its step number there). */
  readonly at: number;
  readonly move: (k: Kernel) => Move;
}
export interface Program {
  readonly pid: number;
  readonly comm: string;
  readonly steps: readonly Step[];
}

const step = (at: number, move: (k: Kernel) => Move): Step => ({ at, move });
const ev = <T extends EventType>(type: T, data: EventDataByType[T]): { ev: NewEvent } => ({ ev: { type, data } as NewEvent });

const M = 1n << 20n;
const X1 = 0x10000000n, X2 = 0x20000000n, X3 = 0x30000000n, X4 = 0x40000000n, Y2 = 0x50000000n;
/** X2's free range on device 1, which its trim discards. */
const R = 0x400000000n;

const live = (k: Kernel, b: bigint) => k.bg(b)?.live ?? true;
/** The chunk item is still in the chunk tree (balance looks it up before relocating). */
const chunkItem = (k: Kernel, b: bigint) => (k.map(b)?.deletedAt ?? null) === null && live(k, b);
/**
 * A commit waits for every transaction handle of its transaction — a removal between its
 * remove_chunk and remove_block_group, a creation between its chunk_alloc and bg_items_insert
 * (as interpretations §7 "one handle per task" has it) — and for any other task's cache writeout.
 */
function commitBlocked(k: Kernel, self: number): boolean {
  const removing = [X1, X2, X4].some((b) => k.map(b)?.deletedAt !== null && k.map(b)?.inTree === true && k.bg(b)?.live === true);
  const creating = [X3, Y2].some((b) => k.map(b) !== undefined && k.bg(b) === undefined) || [...k.allTasks().values()].some((t) => t.newBgs.length > 0);
  const writingOut = [...k.allTasks()].some(([pid, t]) => pid !== self && t.phase !== "none");
  return removing || creating || writingOut;
}

/** The cleaner's deletion of `b`, its steps at `times`: its own check (a skip ends it), set_ro, remove_chunk, remove_block_group. */
function deletion(pid: number, b: bigint, times: readonly [number, number, number, number]): Program {
  const [check, ro, chunk, bg] = times;
  return {
    pid,
    comm: "btrfs-cleaner",
    steps: [
      step(check, (k) => {
        const proceed = k.checkProceeds(b);
        return { ...ev("unused_bg_check", { bytenr: b, outcome: proceed ? "proceed" : "skip", used: null }), last: !proceed };
      }),
      step(ro, () => ev("set_ro", { bytenr: b, flag: false })),
      removeChunk(chunk, b),
      step(bg, () => ev("remove_block_group", { bytenr: b })),
    ],
  };
}
/**
 * remove_chunk. The program ends after it when the kernel could not go on: no extent map
 * (ASSERT(0), §5.1), or device extents another task already deleted (btrfs_free_dev_extent
 * fails and the transaction aborts before btrfs_remove_block_group).
 */
const removeChunk = (at: number, b: bigint): Step =>
  step(at, (k) => ({ ...ev("remove_chunk", { bytenr: b }), last: k.map(b)?.inTree === false || k.map(b)?.deletedAt != null }));

export function programs(): Program[] {
  return [
    // 5.1 balance vs unused-bg deletion
    {
      pid: 101,
      comm: "btrfs",
      steps: [
        step(1, (k) => (chunkItem(k, X1) ? ev("relocate_chunk", { bytenr: X1 }) : "end")), // balance finds the chunk item
        step(2, () => ev("relocate_bg", { bytenr: X1 })),
        step(4, () => ev("set_ro", { bytenr: X1, flag: false })),
        removeChunk(8, X1),
        step(9, () => ev("remove_block_group", { bytenr: X1 })),
      ],
    },
    deletion(102, X1, [3, 5, 6, 7]),
    // 5.2 trim vs bg removal
    {
      pid: 201,
      comm: "fstrim",
      steps: [
        step(3, (k) => (live(k, X2) ? ev("trim_bg", { bytenr: X2 }) : "end")),
        step(4, () => ev("discard_start", { bytenr: X2, devid: 1, physical: R, len: M })),
        step(11, () => ev("discard_end", { bytenr: X2 })),
        step(12, () => ev("trim_bg_end", { bytenr: X2 })),
      ],
    },
    deletion(202, X2, [1, 2, 5, 6]),
    { pid: 203, comm: "btrfs-transaction", steps: [step(7, (k) => (commitBlocked(k, 203) ? "wait" : ev("commit_done", { gen: 100 })))] },
    {
      pid: 204,
      comm: "kworker/u4:2",
      steps: [
        step(8, (k) => {
          // the allocator reuses R once X2's device extents are gone from the commit root
          const m = k.map(X2);
          const free = m !== undefined && m.deletedAt !== null && k.commits > m.deletedAt;
          return ev("chunk_alloc", { bytenr: Y2, len: 256n * M, type: 4, stripes: [{ devid: 1, physical: free ? R : 0x900000000n }] });
        }),
        step(9, () => ev("bg_create", { bytenr: Y2, len: 256n * M, flags: 4 })),
        // its handle ends: the new bg's item goes in (not in §5.2, which stops at the discard's end)
        step(13, () => ev("bg_items_insert", {})),
      ],
    },
    { pid: 205, comm: "kworker/u4:5", steps: [step(10, (k) => (k.bg(Y2) ? ev("eb_write", { bytenr: Y2 + 0x4000n, len: 16384n }) : "wait"))] },
    // 5.3 bg creation vs cache writeout
    {
      pid: 301,
      comm: "kworker/u16:3",
      steps: [
        step(1, () => ev("chunk_alloc", { bytenr: X3, len: 1024n * M, type: 1, stripes: [{ devid: 2, physical: 0x100000000n }] })),
        step(2, () => ev("bg_create", { bytenr: X3, len: 1024n * M, flags: 1 })),
        step(7, () => ev("bg_items_insert", {})),
      ],
    },
    {
      pid: 302,
      comm: "fsstress",
      steps: [
        step(3, (k) => (k.bg(X3) ? ev("bg_alloc", { bytenr: X3, start: X3, len: 4096n }) : "wait")),
        step(4, () => ev("commit_start", {})),
        step(5, () => ev("writeout_early", {})),
        step(6, (k) => (k.isDirty(X3) ? ev("write_cache_group", { bytenr: X3 }) : "none")),
        // the critical section waits until every other writer ended its handle
        step(8, (k) => ([...k.allTasks().values()].some((t) => t.newBgs.length > 0) ? "wait" : ev("writeout_critical", {}))),
        step(9, (k) => (k.isDirty(X3) ? ev("write_cache_group", { bytenr: X3 }) : "none")),
        step(10, (k) => (commitBlocked(k, 302) ? "wait" : ev("commit_done", { gen: 101 }))),
      ],
    },
    // 5.4 scrub vs bg deletion
    deletion(401, X4, [1, 2, 3, 6]),
    {
      pid: 402,
      comm: "btrfs",
      steps: [
        step(4, (k) => {
          // scrub walks the dev extents of the commit root: a deletion shows until its commit
          const m = k.map(X4);
          const visible = m === undefined || m.deletedAt === null || m.deletedAt === k.commits;
          return visible ? ev("scrub_dev_extent", { bytenr: X4, devid: 3, physical: 0x7c400000n }) : "end";
        }),
        step(5, (k) => (live(k, X4) ? ev("set_ro", { bytenr: X4, flag: false }) : "end")),
        step(7, () => ev("scrub_chunk", { bytenr: X4 })),
        step(8, () => ev("clear_ro", { bytenr: X4, flag: false })),
      ],
    },
  ];
}

export type RaceNo = 1 | 2 | 3 | 4;

/** Programs of one race (by the pid hundreds), or all. */
export function programsOf(race: RaceNo | "all"): Program[] {
  return programs().filter((p) => race === "all" || Math.floor(p.pid / 100) === race);
}

/**
 * How steps are ordered: step j of program i happens at its canonical time, plus its race's lag,
 * plus `amplitude × noise[(8i + j) mod n] / 100`; among the tasks able to move, the one whose next
 * step comes first moves (ties: the earlier program). No lag and amplitude 0 give the order of
 * DOMAIN §5; lags slide the races' windows against each other when all four run; an amplitude
 * past the programs' length gives any order.
 */
export interface Schedule {
  /** Per race (1–4), in steps; missing = 0. */
  readonly lags?: readonly number[];
  readonly amplitude: number;
  /** Each in [0, 100]. */
  readonly noise: readonly number[];
}

/** Interleaves programs following `schedule`. */
export function interleave(progs: readonly Program[], schedule: Schedule): RaceEvent[] {
  const k = new Kernel();
  const pc = progs.map(() => 0);
  const ended = progs.map(() => false);
  const { amplitude, noise } = schedule;
  const lag = progs.map((p) => schedule.lags?.[Math.floor(p.pid / 100) - 1] ?? 0);
  const time = (i: number) => progs[i]!.steps[pc[i]!]!.at + lag[i]! + (noise.length > 0 ? (amplitude * noise[(8 * i + pc[i]!) % noise.length]!) / 100 : 0);
  const out: RaceEvent[] = [];
  for (;;) {
    // advance "none" steps and find, among who can move, whose next step comes first
    let next = -1;
    for (let i = 0; i < progs.length; i++) {
      while (!ended[i] && pc[i]! < progs[i]!.steps.length) {
        const m = progs[i]!.steps[pc[i]!]!.move(k);
        if (m === "none") pc[i]!++;
        else if (m === "end") ended[i] = true;
        else break;
      }
      if (ended[i] || pc[i]! >= progs[i]!.steps.length || progs[i]!.steps[pc[i]!]!.move(k) === "wait") continue;
      if (next < 0 || time(i) < time(next)) next = i;
    }
    if (next < 0) break;
    const i = next;
    const m = progs[i]!.steps[pc[i]!]!.move(k) as Exclude<Move, string>;
    const e = { ...m.ev, origin: { line: null, lineSeq: 0, pid: progs[i]!.pid, comm: progs[i]!.comm, cpu: null, ts: null }, chain: null } as RaceEvent;
    k.apply(e); // an unpatched kernel goes on past an effect: the replay is what stops there
    out.push(e);
    pc[i]!++;
    if (m.last) ended[i] = true;
  }
  return out;
}
