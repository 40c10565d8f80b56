/**
 * The mapping table is data: the default file validates, users extend it
 * (RACELAB_FTRACE_MAP or extra files), and a bad file is refused naming the
 * file and the entry.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseTrace } from "../../src/ftrace/importer.ts";
import { compileMapTable } from "../../src/ftrace/map-table.ts";
import { loadMapTable } from "../../src/ftrace/map-load.ts";
import { brief, flat } from "./helpers.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "racelab-map-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, json: unknown): string {
  const p = path.join(dir, name);
  writeFileSync(p, typeof json === "string" ? json : JSON.stringify(json));
  return p;
}

test("the default table covers DOMAIN §6.2 (4.1-era and 6.x names)", () => {
  const t = loadMapTable([], {});
  const fn = (n: string) => t.functions.get(n);
  expect(fn("btrfs_set_block_group_ro")).toMatchObject({ kind: "event", event: "set_ro", data: { flag: true } });
  expect(fn("btrfs_inc_block_group_ro")).toMatchObject({ kind: "event", event: "set_ro", data: {} });
  expect(fn("update_block_group_item")).toMatchObject({ event: "write_cache_group" });
  expect(fn("write_one_cache_group")).toMatchObject({ event: "write_cache_group" });
  expect(fn("btrfs_unfreeze_block_group")).toMatchObject({ kind: "end", end: "trim" });
  expect(fn("btrfs_chunk_alloc")).toMatchObject({ kind: "role", role: "allocator" });
  expect(fn("btrfs_issue_discard")).toMatchObject({ kind: "noise" });
  expect(t.tracepoints.get("btrfs_chunk_alloc")).toMatchObject({ kind: "event", event: "chunk_alloc", subject: true });
  expect(t.tracepoints.get("btrfs_chunk_free")).toMatchObject({
    fields: [
      ["bytenr", "offset"],
      ["len", "size"],
      ["type", "type"],
    ],
  });
  expect([...t.mergeable].sort()).toEqual(["bg_create", "remove_block_group"]);
});

test("users add names through RACELAB_FTRACE_MAP and extra files; later entries win", () => {
  const extra = write("extra.json", {
    version: 1,
    functions: [{ names: ["my_relocate_helper"], event: "relocate_chunk" }],
    tracepoints: [{ names: ["my_gone"], event: "remove_block_group", fields: { bytenr: "bg" }, subject: true }],
  });
  const override = write("override.json", { version: 1, functions: [{ names: ["my_relocate_helper"], noise: true }] });
  const text = flat([
    ["btrfs", 9, "my_relocate_helper <-btrfs_balance"],
    ["btrfs", 9, "my_gone: bg=4096"],
  ]);
  const withEnv = loadMapTable([], { RACELAB_FTRACE_MAP: extra });
  expect(parseTrace(text, { table: withEnv }).events.map(brief)).toEqual([
    "3.0 9 relocate_chunk 4096 relocation",
    "4.0 9 remove_block_group 4096 relocation",
  ]);
  const both = loadMapTable([override], { RACELAB_FTRACE_MAP: extra });
  expect(parseTrace(text, { table: both }).events.map(brief)).toEqual(["4.0 9 remove_block_group 4096 relocation"]);
  expect(parseTrace(text, { table: loadMapTable([], {}) }).report.unmapped).toEqual({ my_relocate_helper: 1, my_gone: 1 });
});

test("a bad table is refused naming the file and the entry", () => {
  expect(() => loadMapTable([write("bad1.json", "{ nope")], {})).toThrow(/bad1\.json: not JSON/);
  expect(() => loadMapTable([write("bad2.json", { version: 1, functions: [{ names: ["x"], event: "explode" }] })], {})).toThrow(
    /bad2\.json: functions\.0\.event: Invalid option/,
  );
  expect(() =>
    loadMapTable([write("bad3.json", { version: 1, tracepoints: [{ names: ["x"], event: "chunk_free", fields: { size: "size" } }] })], {}),
  ).toThrow(/bad3\.json: tracepoints\.0\.fields\.size: chunk_free has no argument size/);
  expect(() => loadMapTable([path.join(dir, "absent.json")], {})).toThrow(/absent\.json: cannot read mapping table/);
  expect(() =>
    compileMapTable([{ source: "x", json: { version: 1, functions: [{ names: ["a"], event: "set_ro", role: "cleaner" }] } }]),
  ).toThrow("x: functions.0: exactly one of event, end, role, noise");
  expect(() => compileMapTable([{ source: "y", json: { version: 2 } }])).toThrow(/y: version/);
});

test("a tracepoint rule may count only inside an open chain of a kind (within), checked against the chain table", () => {
  const t = loadMapTable([], {});
  expect(t.tracepoints.get("racelab_discard")).toMatchObject({ kind: "event", event: "discard_start", within: "trim" });
  expect(t.tracepoints.get("btrfs_chunk_free")).toMatchObject({ within: null });
  expect(() =>
    compileMapTable([{ source: "w", json: { version: 1, tracepoints: [{ names: ["x"], event: "discard_start", within: "scrub" }] } }]),
  ).toThrow("w: tracepoints.0.within: discard_start is not a step of a scrub chain");
  const text = flat([
    ["btrfs-transacti", 7, "racelab_discard: (btrfs_discard_extent+0x9b/0x220 [btrfs] <- btrfs_map_discard) devid=1 physical=9437184 len=4096"],
    ["fstrim", 8, "racelab_trim_bg: (btrfs_trim_block_group+0x0/0x380 [btrfs]) bytenr=22020096"],
    ["fstrim", 8, "racelab_discard: (btrfs_discard_extent+0x9b/0x220 [btrfs] <- btrfs_map_discard) devid=1 physical=30408704 len=65536"],
  ]);
  // The commit's discard (pid 7, no trim open) is context; fstrim's is a discard of its trim's block group.
  expect(parseTrace(text, { table: t }).events.map(brief)).toEqual([
    "4.0 8 trim_bg 22020096 trim",
    "5.0 8 discard_start 22020096 trim",
    "5.1 8 trim_bg_end 22020096 trim",
  ]);
});
