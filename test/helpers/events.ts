/** Small builders of domain events for store tests. */
import type { ChainRef, EventOrigin, RaceEvent } from "../../src/events/types.ts";

export function origin(o: Partial<EventOrigin> = {}): EventOrigin {
  return { line: null, lineSeq: 0, pid: 100, comm: "btrfs-cleaner", cpu: 0, ts: null, ...o };
}

/** A `set_ro` of block group `bytenr` by `pid`, made from source line `line`. */
export function setRo(bytenr: bigint, o: Partial<EventOrigin> = {}, chain: ChainRef | null = null): RaceEvent {
  return { type: "set_ro", data: { bytenr, flag: false }, origin: origin(o), chain };
}

/** One event of each payload shape worth round-tripping: u64 extremes, nulls, arrays, chains, odd task names. */
export function varietyOfEvents(): RaceEvent[] {
  const u64max = (1n << 64n) - 1n;
  return [
    {
      type: "unused_bg_check",
      data: { bytenr: 30408704n, outcome: "proceed", used: 0n, flags: null },
      origin: origin({ line: 7, ts: 1_234_567_890_123n, comm: "btrfs-cleaner", cpu: 1, pid: 321 }),
      chain: { id: 1, kind: "deletion" },
    },
    {
      type: "chunk_alloc",
      data: {
        bytenr: u64max,
        len: 1073741824n,
        type: 4 | 32,
        stripes: [
          { devid: 1, physical: 22020096n },
          { devid: 1, physical: u64max - 1n },
        ],
      },
      origin: origin({ line: 8, lineSeq: 1, ts: (1n << 63n) - 1n, comm: "kworker/u8:3\ttab\\back\nline «ü»", cpu: null, pid: 0 }),
      chain: { id: 2, kind: "creation" },
    },
    { type: "set_ro", data: { bytenr: null, flag: true }, origin: origin({ line: null, comm: null, ts: null }), chain: null },
    { type: "commit_done", data: { gen: 42 }, origin: origin({ line: 9, pid: 77, comm: "btrfs-transacti" }), chain: null },
    { type: "bg_items_insert", data: {}, origin: origin({ line: 10, pid: 77 }), chain: null },
    {
      type: "discard_start",
      data: { bytenr: 30408704n, len: null, devid: null, physical: 0n },
      origin: origin({ line: 11, pid: 555, comm: "fstrim" }),
      chain: { id: 3, kind: "trim" },
    },
    { type: "trace_gap", data: { cpu: 3, lost: 1200 }, origin: origin({ line: 12, pid: 0, comm: null, cpu: 3 }), chain: null },
  ];
}
