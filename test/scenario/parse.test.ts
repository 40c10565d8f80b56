/**
 * Scenario files: the documented format parses to events with file lines;
 * bad input is refused with `file:line: what`; a bad file stores nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { run as runSeed } from "../../src/cli/commands/seed.ts";
import { run as runCheck } from "../../src/cli/commands/check.ts";
import { SEEDS_DIR, scenarioFiles, seedScenarios } from "../../src/scenario/load.ts";
import { parseScenario } from "../../src/scenario/parse.ts";
import { textSink } from "../helpers/cli.ts";
import { databaseForFile } from "../helpers/db.ts";
import { thrown } from "../helpers/errors.ts";

const GOOD = `# race: balance-vs-unused-bg-deletion
# expect unpatched: bug assertion_failure at step 2
let X = 0x1d00000
actor A pid=17451 comm=btrfs role=balance
actor B pid=887 comm=btrfs-cleaner role=cleaner cpu=1

B remove_block_group bytenr=X      # a comment
A remove_chunk bytenr=X
`;

const errorOf = (text: string): string => thrown(() => parseScenario(text, "bad.scenario"), "BAD_USER_INPUT").message;

test("a scenario parses to events with file lines, pids, chains and its header", () => {
  const sc = parseScenario(GOOD, "good.scenario");
  expect(sc.events.map((e) => [e.type, e.origin.line, e.origin.pid, e.origin.comm, e.origin.cpu])).toEqual([
    ["remove_block_group", 7, 887, "btrfs-cleaner", 1],
    ["remove_chunk", 8, 17451, "btrfs", null],
  ]);
  expect(sc.events[0]!.data).toEqual({ bytenr: 0x1d00000n, flags: null }); // flags: not given, unknown (issue 14's catalog field)
  expect(sc.events.every((e) => e.chain !== null)).toBe(true);
  expect(sc.meta.race).toBe("balance-vs-unused-bg-deletion");
  expect(sc.meta.expect.unpatched).toEqual({ verdict: "bug", effect: "assertion_failure", step: 2 });
  expect(sc.names).toEqual([["X", 0x1d00000n]]);
});

test("sizes, flags, stripes and unbound subjects", () => {
  const sc = parseScenario(
    `actor C pid=1 role=allocator\nC chunk_alloc bytenr=0x80000000 len=256M type=METADATA|DUP stripes=1:0x100000,1:0x10100000\nC remove_chunk bytenr=?`,
    "x.scenario",
  );
  expect(sc.events[0]!.data).toEqual({ bytenr: 0x80000000n, len: 256n << 20n, type: 4 | 32, stripes: [{ devid: 1, physical: 0x100000n }, { devid: 1, physical: 0x10100000n }] });
  expect(sc.events[1]!.data).toEqual({ bytenr: null });
});

test.each([
  ["unknown event type", `actor A pid=1\nA frobnicate bytenr=0x10`, /^bad\.scenario:2: unknown event type "frobnicate"$/],
  ["unknown actor", `actor A pid=1\nZ set_ro bytenr=0x10`, /^bad\.scenario:2: unknown actor "Z"/],
  ["negative length", `actor A pid=1\nA discard_start bytenr=0x10 devid=1 physical=0x100 len=-5`, /^bad\.scenario:2: len: expected a non-negative number, got "-5"$/],
  ["non-numeric address", `actor A pid=1\nA set_ro bytenr=0xZZ`, /^bad\.scenario:2: bytenr: expected a number \(decimal or 0x…\), got "0xZZ"$/],
  ["unknown name", `actor A pid=1\nA set_ro bytenr=X`, /^bad\.scenario:2: bytenr: unknown name "X"/],
  ["missing subject", `actor A pid=1\n\nA remove_chunk`, /^bad\.scenario:3: remove_chunk: missing argument bytenr/],
  ["unknown field", `actor A pid=1\nA set_ro bytenr=0x10 colour=red`, /^bad\.scenario:2: set_ro: unknown field colour$/],
  ["bad outcome", `actor A pid=1\nA unused_bg_check bytenr=0x10 outcome=maybe`, /^bad\.scenario:2: unused_bg_check: outcome: /],
  ["actor without pid", `actor A comm=x`, /^bad\.scenario:1: actor A: missing pid=$/],
  ["unknown race", `# race: nope\nactor A pid=1\nA set_ro bytenr=1`, /^bad\.scenario:1: race: unknown race "nope"/],
  ["bad stripes", `actor A pid=1\nA chunk_alloc bytenr=0x10 stripes=1-0x100`, /^bad\.scenario:2: stripes: expected devid:physical/],
  ["no events", `actor A pid=1`, /^bad\.scenario: no events/],
])("%s → file:line error", (_what, text, re) => {
  expect(errorOf(text)).toMatch(re);
});

describe("stored", () => {
  const t = databaseForFile();

  test("racelab seed stores every seed scenario once; checking a seed file finds it", async () => {
    const files = scenarioFiles();
    expect(files.map((f) => path.basename(f)).sort()).toEqual(
      ["balance-vs-unused-bg-deletion", "trim-vs-bg-removal", "bg-creation-vs-cache-writeout", "scrub-vs-bg-deletion"].flatMap((r) => [`${r}.scenario`, `${r}.benign.scenario`]).sort(),
    );
    const o1 = textSink();
    expect(await runSeed(["--json"], { store: t.store, stdout: o1 })).toBe(0);
    const first = JSON.parse(o1.text) as { name: string; existing: boolean; events: number }[];
    expect(first).toHaveLength(8);
    expect(first.every((x) => !x.existing && x.events > 0)).toBe(true);
    const o2 = textSink();
    await runSeed(["--json"], { store: t.store, stdout: o2 });
    expect((JSON.parse(o2.text) as { existing: boolean }[]).every((x) => x.existing)).toBe(true);
    expect((await t.store.listTraces()).length).toBe(8);
    const o3 = textSink();
    await runCheck([path.join(SEEDS_DIR, "scrub-vs-bg-deletion.scenario"), "--rules", "unpatched", "--json"], { store: t.store, stdout: o3 });
    const r = JSON.parse(o3.text);
    expect(Object.keys(r).slice(0, 5)).toEqual(["verdict", "rules", "findings", "warnings", "reordered"]);
    expect(r.findings).toEqual([
      { race: "scrub-vs-bg-deletion", effect: "scrub_einval", seq: 7, line: expect.any(Number), message: expect.stringMatching(/^scrub_chunk: no extent map for chunk 0x3c400000/) },
    ]);
    expect((await t.store.listTraces()).length).toBe(8);
  });

  test("a directory with one bad scenario stores nothing", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "racelab-seeds-"));
    try {
      writeFileSync(path.join(dir, "a-good.scenario"), readFileSync(path.join(SEEDS_DIR, "trim-vs-bg-removal.benign.scenario"), "utf8").replace("gen=42", "gen=43"));
      writeFileSync(path.join(dir, "b-bad.scenario"), `actor A pid=1\nA discard_start bytenr=0x10 len=-1\n`);
      const before = (await t.store.listTraces()).length;
      await expect(seedScenarios(t.store, dir)).rejects.toThrow(/b-bad\.scenario:2: len: expected a non-negative number/);
      expect((await t.store.listTraces()).length).toBe(before);
      await expect(runCheck([path.join(dir, "b-bad.scenario")], { store: t.store, stdout: textSink() })).rejects.toThrow(/b-bad\.scenario:2:/);
      expect((await t.store.listTraces()).length).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
