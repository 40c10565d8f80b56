/**
 * Block-group type and profile read from the log where it prints them
 * (issue 14): `flags=20(METADATA|RAID1)` on btrfs_reserve_extent lines,
 * `flags=` on btrfs_remove_block_group and btrfs_skip_unused_block_group,
 * `type=`/`size=` on btrfs_chunk_free. The state then names the type and the
 * stripes the profile implies; verdicts do not change. Events stored before
 * these fields existed still read back (the field reads null).
 */
import { renderState } from "../../src/replay/render.ts";
import { checkEvents } from "../../src/replay/check.ts";
import { stateAtEvents } from "../../src/replay/time-travel.ts";
import { parse } from "../ftrace/helpers.ts";
import { databaseForFile } from "../helpers/db.ts";

const FSID = "078ba8f7-3bd8-40f9-96af-23eafed4907a";
const head = "# tracer: nop\n#\n";
const line = (comm: string, pid: number, t: string, body: string) => `${`${comm}-${pid}`.padStart(22)}     [001] .....    ${t}: ${body}`;
const LOG =
  head +
  [
    line("dd", 210, "13.716279", `btrfs_reserve_extent: ${FSID}: root=2(EXTENT_TREE) block_group=30408704 flags=20(METADATA|RAID1) start=30441472 len=16384`),
    line("btrfs", 221, "15.216491", `btrfs_chunk_free: ${FSID}: root=3(CHUNK_TREE) offset=13631488 size=8388608 num_stripes=1 sub_stripes=1 type=DATA`),
    line("btrfs", 221, "15.216579", `btrfs_remove_block_group: ${FSID}: bg bytenr=13631488 len=8388608 used=0 flags=1(DATA)`),
    line("btrfs-cleaner", 206, "21.812989", `btrfs_skip_unused_block_group: ${FSID}: bg bytenr=22020096 len=8388608 used=16384 flags=18(SYSTEM|RAID1)`),
  ].join("\n") +
  "\n";

const t = databaseForFile();

test("type, profile and length learnt from the lines that print them; stripes as the profile says", () => {
  const { events } = parse(LOG);
  expect(events.map((e) => [e.type, (e.data as { flags?: number; type?: number }).flags ?? (e.data as { type?: number }).type])).toEqual([
    ["bg_alloc", 0x14],
    ["chunk_free", 0x1],
    ["remove_block_group", 0x1],
    ["unused_bg_check", 0x12],
  ]);
  const v = stateAtEvents(events, events.length, ["unpatched"]);
  const bg = (start: number) => v.blockGroups.find((b) => b.start === String(start))!;
  const map = (start: number) => v.extentMaps.find((m) => m.start === String(start))!;
  expect(bg(30408704)).toMatchObject({ flags: ["METADATA", "RAID1"], length: null });
  expect(bg(13631488)).toMatchObject({ flags: ["DATA"], length: "8388608", status: "removed" });
  expect(bg(22020096)).toMatchObject({ flags: ["SYSTEM", "RAID1"] });
  expect(map(30408704)).toMatchObject({ type: ["METADATA", "RAID1"], stripes: null, stripeCount: 2 });
  expect(map(13631488)).toMatchObject({ type: ["DATA"], length: "8388608", stripeCount: 1 });
  const text = renderState(v, "t");
  expect(text).toContain("0x1d00000 METADATA|RAID1 active");
  expect(text).toContain("0xd00000 8M DATA removed");
  expect(text).toContain("0x1d00000 METADATA|RAID1 in mapping_tree 2 stripes, devices unknown");
});

test("the learnt shape changes no verdict", () => {
  const { events } = parse(LOG);
  const blind = events.map((e) => ({ ...e, data: { ...e.data, ...("flags" in e.data ? { flags: null } : {}), ...(e.type === "chunk_free" ? { type: null } : {}) } }));
  for (const rules of [["unpatched"], ["patched"]]) {
    const a = checkEvents(events, rules);
    const b = checkEvents(blind as typeof events, rules);
    expect(a.verdict).toBe(b.verdict);
    expect(a.findings).toEqual(b.findings);
  }
});

test("an event stored before the field existed reads back with it null", async () => {
  const trace = await t.store.createTrace({ name: "old-rows", source: { file: null, hash: null, format: "api" } });
  await t.db.pool.query(
    `INSERT INTO events (trace_id, seq, type, pid, data) VALUES ($1, 1, 'bg_alloc', 210, $2), ($1, 2, 'remove_block_group', 221, $3)`,
    [trace.id, JSON.stringify({ bytenr: "30408704", start: "30441472", len: "16384" }), JSON.stringify({ bytenr: "13631488" })],
  );
  await t.db.pool.query("UPDATE traces SET version = 2 WHERE id = $1", [trace.id]);
  const back = await t.store.read(trace.id);
  expect(back.map((e) => e.data)).toEqual([
    { bytenr: 30408704n, start: 30441472n, len: 16384n, flags: null },
    { bytenr: 13631488n, flags: null },
  ]);
});
