/**
 * A long, deterministic, kernel-like trace for snapshot tests and the bench:
 * many extent reservations and commits on a bounded set of block groups,
 * with cleaner deletions, balance relocations, trims with discards, scrubs,
 * cache writeouts and new chunks mixed in by several tasks — enough lock M
 * contention that `patched` reorders events. The population of live block
 * groups stays bounded (a new chunk for every one removed), as in a real
 * long-running filesystem.
 */
import type { RaceEvent } from "../../src/events/types.ts";
import { rng } from "../helpers/random.ts";

const GB = 1n << 30n;
const MB = 1n << 20n;

export interface GenerateOptions {
  /** Share of decisions that start a cleaner deletion or a balance relocation (each). */
  readonly removals?: number;
}

export function generateTrace(n: number, seed = 1, opts: GenerateOptions = {}): RaceEvent[] {
  const removals = opts.removals ?? 0.0005;
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: RaceEvent[] = [];
  let line = 0;
  const emit = (pid: number, comm: string, type: string, data: Record<string, unknown> = {}) => {
    out.push({ type, data, origin: { line: ++line, lineSeq: 0, pid, comm, cpu: pid % 2, ts: null }, chain: null } as unknown as RaceEvent);
  };
  let nextStart = 0x100000000n;
  let nextPhys = 0x100000000n;
  let gen = 10;
  const live: bigint[] = [];
  const newChunk = (pid: number, comm: string, withItems: boolean) => {
    const b = nextStart;
    nextStart += GB;
    const phys = nextPhys;
    nextPhys += GB;
    emit(pid, comm, "chunk_alloc", { bytenr: b, len: GB, type: 1, stripes: [{ devid: 1, physical: phys }] });
    emit(pid, comm, "bg_create", { bytenr: b, len: GB, flags: 1 });
    if (withItems) emit(pid, comm, "bg_items_insert");
    live.push(b);
    return b;
  };
  for (let i = 0; i < 24; i++) newChunk(900, "kworker/u4:1", true);
  const writers = Array.from({ length: 40 }, (_, i) => 2000 + i);
  // Multi-step programs advance one event at a time, interleaved.
  type Prog = { pid: number; comm: string; steps: (() => void)[] };
  const running: Prog[] = [];
  const removeFromLive = (b: bigint) => {
    const i = live.indexOf(b);
    if (i >= 0) live.splice(i, 1);
  };
  while (out.length < n) {
    const x = r();
    if (running.length > 0 && x < 0.35) {
      const p = pick(running);
      p.steps.shift()!();
      if (p.steps.length === 0) running.splice(running.indexOf(p), 1);
      continue;
    }
    const busy = new Set(running.map((p) => p.pid));
    const y = r();
    if (y < 0.6) {
      const b = pick(live);
      const w = pick(writers);
      emit(w, "dd", "bg_alloc", { bytenr: b, start: b + BigInt(Math.floor(r() * 1e6)) * 4096n, len: 4096n * BigInt(1 + Math.floor(r() * 8)) });
    } else if (y < 0.7) {
      emit(pick(writers), "sync", "commit_done", { gen: gen++ });
    } else if (y < 0.75 && !busy.has(700)) {
      // a commit with its cache writeout (of a bg live at that moment)
      const c = 700;
      running.push({ pid: c, comm: "sync", steps: [() => emit(c, "sync", "commit_start"), () => emit(c, "sync", "writeout_early"), () => emit(c, "sync", "write_cache_group", { bytenr: pick(live) }), () => emit(c, "sync", "writeout_critical"), () => emit(c, "sync", "commit_done", { gen: gen++ })] });
    } else if (y >= 0.75 && y < 0.75 + removals && live.length > 12 && !busy.has(887)) {
      const b = pick(live);
      removeFromLive(b);
      running.push({ pid: 887, comm: "btrfs-cleaner", steps: [() => emit(887, "btrfs-cleaner", "unused_bg_check", { bytenr: b, outcome: "proceed" }), () => emit(887, "btrfs-cleaner", "set_ro", { bytenr: b }), () => emit(887, "btrfs-cleaner", "remove_chunk", { bytenr: b }), () => emit(887, "btrfs-cleaner", "chunk_free", { bytenr: b, len: GB }), () => emit(887, "btrfs-cleaner", "remove_block_group", { bytenr: b }), () => { newChunk(900, "kworker/u4:1", true); }] });
    } else if (y >= 0.8 && y < 0.8 + removals && live.length > 12 && !busy.has(1751)) {
      const b = pick(live);
      removeFromLive(b);
      running.push({ pid: 1751, comm: "btrfs", steps: [() => emit(1751, "btrfs", "relocate_chunk", { bytenr: b }), () => emit(1751, "btrfs", "relocate_bg", { bytenr: b }), () => emit(1751, "btrfs", "set_ro", { bytenr: b }), () => emit(1751, "btrfs", "remove_chunk", { bytenr: b }), () => emit(1751, "btrfs", "remove_block_group", { bytenr: b }), () => { newChunk(1751, "btrfs", true); }] });
    } else if (y >= 0.84 && y < 0.9 && !busy.has(3001)) {
      const b = pick(live);
      const phys = 0x100000000n + (b - 0x100000000n) + BigInt(Math.floor(r() * 100)) * MB;
      running.push({ pid: 3001, comm: "fstrim", steps: [() => emit(3001, "fstrim", "trim_bg", { bytenr: b }), () => emit(3001, "fstrim", "discard_start", { bytenr: b, devid: 1, physical: phys, len: MB }), () => emit(3001, "fstrim", "discard_end", { bytenr: b }), () => emit(3001, "fstrim", "trim_bg_end", { bytenr: b })] });
    } else if (y < 0.94 && !busy.has(4410)) {
      const b = pick(live);
      running.push({ pid: 4410, comm: "btrfs", steps: [() => emit(4410, "btrfs", "scrub_dev_extent", { bytenr: b }), () => emit(4410, "btrfs", "set_ro", { bytenr: b }), () => emit(4410, "btrfs", "scrub_chunk", { bytenr: b }), () => emit(4410, "btrfs", "clear_ro", { bytenr: b })] });
    } else if (y < 0.97 && !busy.has(887)) {
      emit(887, "btrfs-cleaner", "unused_bg_check", { bytenr: pick(live), outcome: "skip" });
    } else {
      const b = pick(live);
      emit(pick(writers), "kworker/u4:5", "eb_write", { bytenr: b + 0x4000n, len: 16384n });
    }
  }
  return out.slice(0, n);
}
