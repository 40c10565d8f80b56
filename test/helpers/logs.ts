/**
 * Generated ftrace logs for tests and benchmarks: a `nop`-tracer log of the
 * btrfs tracepoints the mapping table maps (kernel 6.1 format, as in
 * ../shared/traces/balance-events.trace), deterministic from a seed, of any
 * length; written to a file without holding it.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { rng } from "./random.ts";

export const FSID = "8f11b857-6dc8-4e65-917e-0118b0a1a4d3";

/** `comm-pid [cpu] flags secs.usecs: ` as a 6.1 kernel prints it (`%16s-%-7d [%03d] %s %5lu.%06lu: `). */
export function nopPrefix(comm: string, pid: number, cpu: number, ns: bigint, flags = "....."): string {
  const us = ns / 1000n;
  const secs = (us / 1_000_000n).toString().padStart(5);
  return `${comm.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, "0")}] ${flags} ${secs}.${(us % 1_000_000n).toString().padStart(6, "0")}: `;
}

/**
 * Yields a `nop`-tracer log of btrfs tracepoints (kernel 6.1 format, as in
 * ../shared/traces/balance-events.trace) where most lines map to events:
 * about 78% extent reservations (bg_alloc), 6% commits (commit_done), 12%
 * tracepoints that map to nothing, and every ~1000 lines a balance step (a
 * new chunk and its block group; an old one relocated and removed) or a
 * cleaner skip — creation, relocation and deletion chains. `noise` (0–1): the
 * share of extra lines of tracepoints that map to nothing, as a real log of
 * the whole btrfs event group holds (0.43 makes about half the lines noise).
 */
/** Tracepoint lines (after the prefix) that map to nothing, as 6.1 prints them. */
const UNMAPPED_TRACEPOINTS = [
  `btrfs_space_reservation: ${FSID}: delalloc: 257 release 655360`,
  `btrfs_reserved_extent_alloc: ${FSID}: root=2(EXTENT_TREE) start=31113216 len=16384`,
  `btrfs_cow_block: ${FSID}: root=5(FS_TREE) refs=2 orig_buf=30425088 (orig_level=0) cow_buf=30441472 (cow_level=0)`,
  `btrfs_tree_read_lock: ${FSID}: block=30425088 gen=7 owner=5 is_log_tree=0 start_ns=1373580000 end_ns=1373580100 diff_ns=100`,
  `btrfs_find_free_extent: ${FSID}: root=2(EXTENT_TREE) len=16384 empty_size=0 flags=4(METADATA)`,
];

export function* tracepointLog(lines: number, seed = 2, noise = 0): Generator<string> {
  const r = rng(seed);
  yield "# tracer: nop";
  yield "#";
  yield `# entries-in-buffer/entries-written: ${lines - 12}/${lines - 12}   #P:2`;
  yield "#";
  yield "#                                _-----=> irqs-off/BH-disabled";
  yield "#                               / _----=> need-resched";
  yield "#                              | / _---=> hardirq/softirq";
  yield "#                              || / _--=> preempt-depth";
  yield "#                              ||| / _-=> migrate-disable";
  yield "#                              |||| /     delay";
  yield "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION";
  yield "#              | |         |   |||||     |         |";
  const SIZE = 268435456n;
  const live: bigint[] = [30408704n, 298844160n, 567279616n, 835715072n];
  let nextBg = 1104150528n;
  let start = 30441472n;
  let gen = 7;
  let ns = 13_703_574_000n;
  let writerPid = 210;
  let balancePid = 221;
  let n = 12;
  while (n < lines) {
    ns += BigInt(1000 + Math.floor(r() * 20_000));
    if (noise > 0 && r() < noise) {
      const cpu = r() < 0.5 ? 0 : 1;
      yield `${nopPrefix("kworker/u4:2", 31, cpu, ns, "...1.")}${UNMAPPED_TRACEPOINTS[Math.floor(r() * UNMAPPED_TRACEPOINTS.length)]}`;
      n++;
      continue;
    }
    const x = r();
    if (x < 0.001 && n + 4 <= lines) {
      // a balance step: a new chunk and its block group, then an old one relocated away
      const cpu = r() < 0.5 ? 0 : 1;
      const bg = nextBg;
      nextBg += SIZE;
      const old = live.shift()!;
      live.push(bg);
      yield `${nopPrefix("btrfs", balancePid, cpu, ns)}btrfs_chunk_alloc: ${FSID}: root=3(CHUNK_TREE) offset=${bg} size=${SIZE} num_stripes=1 sub_stripes=1 type=DATA`;
      yield `${nopPrefix("btrfs", balancePid, cpu, ns + 60_000n)}btrfs_add_block_group: ${FSID}: block_group offset=${bg} size=${SIZE} flags=1(DATA) bytes_used=0 bytes_super=0 create=1`;
      yield `${nopPrefix("btrfs", balancePid, cpu, ns + 900_000n)}btrfs_chunk_free: ${FSID}: root=3(CHUNK_TREE) offset=${old} size=${SIZE} num_stripes=1 sub_stripes=1 type=DATA`;
      yield `${nopPrefix("btrfs", balancePid, cpu, ns + 900_100n)}btrfs_remove_block_group: ${FSID}: bg bytenr=${old} len=${SIZE} used=0 flags=1(DATA)`;
      ns += 1_000_000n;
      balancePid++;
      n += 4;
    } else if (x < 0.0015) {
      const bg = live[Math.floor(r() * live.length)]!;
      yield `${nopPrefix("btrfs-cleaner", 206, 1, ns, "...2.")}btrfs_skip_unused_block_group: ${FSID}: bg bytenr=${bg} len=${SIZE} used=0 flags=1(DATA)`;
      n++;
    } else if (x < 0.06) {
      yield `${nopPrefix("btrfs-transacti", 207, 1, ns)}btrfs_transaction_commit: ${FSID}: root=1(ROOT_TREE) gen=${gen++}`;
      n++;
    } else if (x < 0.18) {
      const cpu = r() < 0.5 ? 0 : 1;
      yield `${nopPrefix("dd", writerPid, cpu, ns, "...1.")}btrfs_space_reservation: ${FSID}: space_info: 4 reserve ${16384 * (1 + Math.floor(r() * 80))}`;
      n++;
    } else {
      const cpu = r() < 0.5 ? 0 : 1;
      const bg = live[Math.floor(r() * live.length)]!;
      start += 16384n;
      if (r() < 0.01) writerPid++;
      const comm = r() < 0.8 ? "dd" : "kworker/u4:1";
      yield `${nopPrefix(comm, comm === "dd" ? writerPid : 25, cpu, ns)}btrfs_reserve_extent: ${FSID}: root=2(EXTENT_TREE) block_group=${bg} flags=1(DATA) start=${start} len=16384`;
      n++;
    }
  }
}

export async function writeLog(file: string, log: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  let buf = "";
  for (const l of log) {
    buf += l + "\n";
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, "drain");
      buf = "";
    }
  }
  out.end(buf);
  await once(out, "finish");
}

