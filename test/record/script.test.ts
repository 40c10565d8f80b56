/**
 * The recording kit (`racelab record`): its script is valid POSIX shell for
 * every workload, reads structure offsets and parameter positions from BTF
 * (a BTF pair written byte by byte in btf-fixture.ts, offsets unlike 6.1's)
 * with its od/awk reader and with bpftool where installed, and stops naming
 * the member it cannot find.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { recordScript } from "../../src/record/script.ts";
import { WORKLOADS } from "../../src/record/workloads.ts";
import { racelab } from "../helpers/cli.ts";
import { buildBtf, KIT_BTF, type BtfSpec } from "./btf-fixture.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "racelab-record-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

function scriptFile(workload: (typeof WORKLOADS)[number] | "all"): string {
  const p = path.join(dir, `record-${workload}.sh`);
  writeFileSync(p, recordScript({ kernel: "6.1", workload }));
  return p;
}

function btfDir(name: string, spec: BtfSpec): string {
  const d = path.join(dir, name);
  rmSync(d, { recursive: true, force: true });
  execFileSync("mkdir", ["-p", d]);
  const { vmlinux, btrfs } = buildBtf(spec);
  writeFileSync(path.join(d, "vmlinux"), vmlinux);
  writeFileSync(path.join(d, "btrfs"), btrfs);
  return d;
}

// kallsyms lines around btrfs_delete_unused_bgs (unsorted, with an alias at its address, as /proc/kallsyms has).
const KALLSYMS = [
  "ffffffffc0872500 t btrfs_mark_bg_unused\t[btrfs]",
  "ffffffffc0871000 T btrfs_read_block_groups\t[btrfs]",
  "ffffffffc0871b40 t btrfs_delete_unused_bgs\t[btrfs]",
  "ffffffffc0871b40 t __pfx_alias_of_it\t[btrfs]",
  "ffffffffc0873000 t inc_block_group_ro\t[btrfs]",
].join("\n");

function probes(script: string, btf: string, reader: "raw" | "auto", kallsyms = path.join(dir, "kallsyms")) {
  writeFileSync(path.join(dir, "kallsyms"), `${KALLSYMS}\n`);
  return spawnSync("sh", [script, "probes"], {
    encoding: "utf8",
    env: { ...process.env, RACELAB_BTF: btf, RACELAB_BTF_READER: reader, RACELAB_KALLSYMS: kallsyms },
  });
}

test.each([...WORKLOADS, "all"] as const)("the %s script passes sh -n and dash -n", (w) => {
  const file = scriptFile(w);
  expect(spawnSync("sh", ["-n", file], { encoding: "utf8" })).toMatchObject({ status: 0, stderr: "" });
  if (has("dash")) expect(spawnSync("dash", ["-n", file], { encoding: "utf8" })).toMatchObject({ status: 0, stderr: "" });
  if (has("busybox")) expect(spawnSync("busybox", ["sh", "-n", file], { encoding: "utf8" })).toMatchObject({ status: 0, stderr: "" });
});

test("the trim script's tracefs set-up: its tracepoints, functions and kprobes", () => {
  const text = recordScript({ kernel: "6.1", workload: "trim" });
  expect(text).toMatch(/^#!\/bin\/sh\n/);
  expect(text).toContain(
    'FUNCTIONS="btrfs_balance btrfs_reclaim_bgs_work btrfs_delete_unused_bgs btrfs_chunk_alloc btrfs_create_chunk btrfs_create_pending_block_groups btrfs_commit_transaction btrfs_trim_fs btrfs_unfreeze_block_group __btrfs_add_free_space"',
  );
  expect(text).toContain(
    'KPROBES="racelab_relocate_chunk racelab_relocate_bg racelab_unused_bg racelab_unused_bg_ro racelab_set_ro racelab_clear_ro racelab_remove_chunk racelab_trim_bg racelab_discard racelab_eb_write"',
  );
  for (const file of ["buffer_size_kb", "trace_clock", "set_ftrace_filter", "kprobe_events", "kprobe_profile"]) {
    expect(text).toContain(`$T/${file}`);
  }
});

// The kprobe lines expected from KIT_BTF: start at bit 64 (+8), used at 320 (+40), devid at 256 (+32),
// physical at 64 (+8), length at 128 (+16), extent_buffer len at 64 (+8); parameters by position.
const EXPECTED_ALL = [
  "p:racelab/racelab_relocate_chunk btrfs_relocate_chunk bytenr=$arg2:u64",
  "p:racelab/racelab_relocate_bg btrfs_relocate_block_group bytenr=$arg2:u64",
  "p:racelab/racelab_unused_bg inc_block_group_ro bytenr=+8($arg1):u64 used=+40($arg1):u64 caller=$stack0:x64",
  "p:racelab/racelab_unused_bg_ro btrfs_zone_finish bytenr=+8($arg1):u64 caller=$stack0:x64",
  "p:racelab/racelab_set_ro inc_block_group_ro bytenr=+8($arg1):u64 caller=$stack0:x64",
  "p:racelab/racelab_clear_ro btrfs_dec_block_group_ro bytenr=+8($arg1):u64",
  "p:racelab/racelab_remove_chunk btrfs_remove_chunk bytenr=$arg2:u64",
  "p:racelab/racelab_trim_bg btrfs_trim_block_group bytenr=+8($arg1):u64",
  "r:racelab/racelab_discard btrfs_map_discard devid=+32(+0($retval)):u64 physical=+8($retval):u64 len=+16($retval):u64",
  "p:racelab/racelab_eb_write write_one_eb bytenr=+0($arg1):u64 len=+8($arg1):u32",
  "p:racelab/racelab_scrub_chunk scrub_chunk bytenr=+8($arg2):u64 devid=+32($arg3):u64 physical=$arg4:u64",
  "p:racelab/racelab_bg_item update_block_group_item bytenr=+8($arg3):u64",
  // btrfs_delete_unused_bgs runs from 0xffffffffc0871b40 to the next symbol, 0xffffffffc0872500.
  "# filter racelab_unused_bg\tcaller >= 0xffffffffc0871b40 && caller < 0xffffffffc0872500",
  "# filter racelab_unused_bg_ro\tcaller >= 0xffffffffc0871b40 && caller < 0xffffffffc0872500",
  "# filter racelab_set_ro\t(caller < 0xffffffffc0871b40 || caller >= 0xffffffffc0872500)",
];

test("the od/awk BTF reader places every kprobe from BTF", () => {
  const r = probes(scriptFile("all"), btfDir("full", KIT_BTF), "raw");
  expect(r.stderr).toBe("");
  expect(r.stdout.trimEnd().split("\n")).toEqual(EXPECTED_ALL);
});

test("bpftool, when installed, gives the same kprobes", () => {
  if (!has("bpftool")) return; // the od/awk reader above is what runs without it
  const r = probes(scriptFile("all"), btfDir("full-bpftool", KIT_BTF), "auto");
  expect(r.stderr).toBe("");
  expect(r.stdout.trimEnd().split("\n")).toEqual(EXPECTED_ALL);
});

test("a member or parameter missing from BTF stops the script, naming it", () => {
  const noUsed: BtfSpec = {
    ...KIT_BTF,
    structs: { ...KIT_BTF.structs, btrfs_block_group: KIT_BTF.structs.btrfs_block_group!.filter((m) => m.name !== "used") },
  };
  const r = probes(scriptFile("balance"), btfDir("no-used", noUsed), "raw");
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe(
    "racelab-record: BTF: struct btrfs_block_group has no member used (kprobe racelab_unused_bg needs it; this kit was made for Linux 6.1's btrfs)\n",
  );
  const renamed: BtfSpec = { ...KIT_BTF, functions: { ...KIT_BTF.functions, btrfs_remove_chunk: ["trans", "offset"] } };
  const r2 = probes(scriptFile("balance"), btfDir("renamed", renamed), "raw");
  expect(r2.status).toBe(1);
  expect(r2.stderr).toBe(
    "racelab-record: BTF: function btrfs_remove_chunk has no parameter chunk_offset (kprobe racelab_remove_chunk needs it; this kit was made for Linux 6.1's btrfs)\n",
  );
  const { scrub_chunk: _gone, ...rest } = KIT_BTF.functions;
  const r3 = probes(scriptFile("scrub"), btfDir("inlined", { ...KIT_BTF, functions: rest }), "raw");
  expect(r3.status).toBe(1);
  expect(r3.stderr).toBe("racelab-record: BTF: no function scrub_chunk in btrfs (inlined or renamed in this kernel?): cannot place kprobe racelab_scrub_chunk\n");
});

test("a caller filter needs the function in kallsyms, with its address", () => {
  const btf = btfDir("full-kallsyms", KIT_BTF);
  const missing = probes(scriptFile("balance"), btf, "raw", path.join(dir, "absent-kallsyms"));
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/^racelab-record: cannot read .*absent-kallsyms \(kprobe racelab_unused_bg filters on its caller's address\)\n$/);
  const hidden = path.join(dir, "hidden-kallsyms");
  writeFileSync(hidden, "0000000000000000 t btrfs_delete_unused_bgs\t[btrfs]\n0000000000000000 t btrfs_mark_bg_unused\t[btrfs]\n");
  // Every address 0 (kptr_restrict): no range can be read.
  const r = spawnSync("sh", [scriptFile("balance"), "probes"], {
    encoding: "utf8",
    env: { ...process.env, RACELAB_BTF: btf, RACELAB_BTF_READER: "raw", RACELAB_KALLSYMS: hidden },
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^racelab-record: .*hidden-kallsyms shows no addresses \(kptr_restrict\): run as root\n$/);
});

test("without kernel BTF the script says so", () => {
  const r = probes(scriptFile("trim"), path.join(dir, "absent"), "raw");
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^racelab-record: no kernel BTF at .*absent\/vmlinux \(CONFIG_DEBUG_INFO_BTF\)/);
});

test("racelab record prints the kit; a bad flag is a one-line error with exit code 2", async () => {
  const ok = await racelab(["record", "--kernel", "6.1", "--workload", "scrub"]);
  expect(ok).toMatchObject({ code: 0, stderr: "" });
  expect(ok.stdout).toBe(recordScript({ kernel: "6.1", workload: "scrub" }));
  expect(ok.stdout).toContain("racelab_scrub_chunk");
  expect(ok.stdout).not.toContain("racelab_trim_bg");
  const bad = await racelab(["record", "--workload", "defrag"]);
  expect(bad).toMatchObject({ code: 2, stdout: "", stderr: 'racelab: record: --workload: expected balance, trim, scrub, commit, all, got "defrag"\n' });
  const kernel = await racelab(["record", "--kernel", "5.15"]);
  expect(kernel).toMatchObject({ code: 2, stderr: 'racelab: record: --kernel: expected 6.1, got "5.15"\n' });
}, 60_000);
