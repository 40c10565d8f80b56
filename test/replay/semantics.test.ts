/**
 * DOMAIN §4 point by point on small hand-written traces: undecided points
 * (a)–(e), invariants, warnings, gaps, deferral at the end, completion rule,
 * bootstrap and tombstones, allocation shift, rule-set resolution.
 */
import { DomainError } from "../../src/errors.ts";
import { checkEvents } from "../../src/replay/check.ts";
import { stateAtEvents } from "../../src/replay/time-travel.ts";
import { resolveRules } from "../../src/rules/index.ts";
import { scenario, seed } from "./helpers.ts";

const HEAD = `
let X = 0x1000000
let Y = 0x2000000
let Z = 0x3000000
actor A pid=10 comm=btrfs role=balance
actor B pid=20 comm=btrfs-cleaner role=cleaner
actor S pid=30 comm=btrfs role=scrub
actor C pid=40 comm=kworker role=allocator
actor W pid=50 comm=kworker role=writer
actor T pid=60 comm=fstrim role=trim
`;
const run = (body: string, rules: string) => checkEvents(scenario(HEAD + body), [rules]);

describe("undecided points (§4.7)", () => {
  test("(a) unbound remove_chunk while a known map is gone", () => {
    const body = `
      B unused_bg_check bytenr=X outcome=proceed
      B set_ro bytenr=X
      B remove_chunk bytenr=X
      B remove_block_group bytenr=X
      A relocate_chunk bytenr=?
      A remove_chunk bytenr=?`;
    for (const rules of ["unpatched", "patched"]) {
      const r = run(body, rules);
      expect(r.verdict).toBe("undecidable");
      expect(r.undecided[0]).toMatchObject({ seq: 6 });
    }
    // nothing removed yet: the unbound remove_chunk cannot fail
    expect(run(`A relocate_chunk bytenr=?\nA remove_chunk bytenr=?`, "unpatched").verdict).toBe("clean");
  });

  test("(b) unbound scrub_chunk: undecidable unless the scrub tolerance excuses every missing map", () => {
    const body = `
      B unused_bg_check bytenr=X outcome=proceed
      B set_ro bytenr=X
      B remove_chunk bytenr=X
      B remove_block_group bytenr=X
      S scrub_chunk bytenr=?`;
    expect(run(body, "unpatched")).toMatchObject({ verdict: "undecidable", undecided: [{ seq: 5 }] });
    expect(run(body, "scrub-skip-removed-chunk").verdict).toBe("clean");
  });

  test("(c) unbound write_cache_group while a bg lacks its item; bound one while items are unknown", () => {
    const unbound = `
      C chunk_alloc bytenr=X len=1G type=DATA stripes=1:0x100000
      C bg_create bytenr=X len=1G flags=DATA
      W writeout_early
      W write_cache_group bytenr=?
      C bg_items_insert`;
    expect(run(unbound, "unpatched")).toMatchObject({ verdict: "undecidable", undecided: [{ seq: 4 }] });
    expect(run(unbound, "retry-enoent-cache-writeout").verdict).toBe("clean");
    const noPhase2 = `
      C bg_create bytenr=X len=1G flags=DATA
      W bg_alloc bytenr=X start=X len=4K
      W writeout_early
      W write_cache_group bytenr=X`;
    expect(run(noPhase2, "unpatched")).toMatchObject({ verdict: "undecidable", undecided: [{ seq: 4 }] });
  });

  test("(d) discard with an unknown range; write at an unknown physical place; discard open at the end", () => {
    expect(run(`T trim_bg bytenr=X\nT discard_start bytenr=X\nT discard_end`, "unpatched")).toMatchObject({ verdict: "undecidable", undecided: [{ seq: 3 }] });
    const unknownWrite = `
      T trim_bg bytenr=X
      T discard_start bytenr=X devid=1 physical=0x100000 len=1M
      C chunk_alloc bytenr=Y len=256M type=METADATA
      W eb_write bytenr=Y len=16K
      T discard_end`;
    expect(run(unknownWrite, "unpatched")).toMatchObject({ verdict: "undecidable", undecided: [{ seq: 5 }] });
    const openAtEnd = `
      T trim_bg bytenr=X
      T discard_start bytenr=X devid=1 physical=0x100000 len=1M
      C chunk_alloc bytenr=Y len=256M type=METADATA stripes=1:0x100000
      W eb_write bytenr=Y len=16K`;
    expect(run(openAtEnd, "unpatched")).toMatchObject({ verdict: "undecidable", undecided: [{ seq: 2 }] });
    // a write in a chunk older than the discard cannot be what it zeroes
    expect(run(`T trim_bg bytenr=X\nT discard_start bytenr=X devid=1 physical=0x100000 len=1M\nW eb_write bytenr=Z len=16K\nT discard_end`, "unpatched").verdict).toBe("clean");
  });

  test("(e) a recomputed check that proceeds while another task set an unknown bg read-only: both outcomes replayed", () => {
    const body = `
      A relocate_chunk bytenr=X
      B unused_bg_check bytenr=Y outcome=proceed
      S set_ro bytenr=?
      B set_ro bytenr=Y
      B remove_chunk bytenr=Y
      B remove_block_group bytenr=Y
      A relocate_bg bytenr=X
      A remove_chunk bytenr=X
      S scrub_chunk bytenr=Y`;
    // proceed → Y removed → scrub_chunk -EINVAL; skip → clean: they differ
    const m = run(body, "delete-unused-bgs-mutex");
    expect(m.verdict).toBe("undecidable");
    expect(m.findings).toEqual([]);
    expect(m.undecided[0]).toMatchObject({ seq: 2, line: scenario(HEAD + body)[1]!.origin.line });
    expect(m.undecided[0]!.why).toMatch(/proceeds → bug scrub_einval.*skips → clean/);
    // with the scrub fix both outcomes are clean: that is the result
    expect(run(body, "patched").verdict).toBe("clean");
    // unpatched: nothing deferred, nothing recomputed
    expect(run(body, "unpatched")).toMatchObject({ verdict: "bug", findings: [{ effect: "scrub_einval", seq: 9 }] });
  });
});

describe("invariants and warnings", () => {
  test("a block group removed twice is an invariant finding; patched balance does not relocate a removed chunk", () => {
    const body = `
      B unused_bg_check bytenr=X outcome=proceed
      B remove_block_group bytenr=X
      A relocate_chunk bytenr=X
      A remove_block_group bytenr=X`;
    const u = run(body, "unpatched");
    expect(u.verdict).toBe("bug");
    expect(u.findings).toEqual([expect.objectContaining({ race: null, effect: "invariant", seq: 4 })]);
    expect(u.findings[0]!.message).toMatch(/btrfs_remove_block_group: block group 0x1000000 is not in block_group_cache_tree/);
    expect(run(body, "patched").verdict).toBe("clean");
  });

  test("an allocation in a removed block group is an invariant finding", () => {
    const r = run(`B unused_bg_check bytenr=X outcome=proceed\nB remove_chunk bytenr=X\nB remove_block_group bytenr=X\nW bg_alloc bytenr=X start=X len=4K`, "unpatched");
    expect(r.findings).toEqual([expect.objectContaining({ effect: "invariant", seq: 4 })]);
  });

  test("the canonical races give exactly one finding each, none of them an invariant", () => {
    for (const name of ["balance-vs-unused-bg-deletion", "trim-vs-bg-removal", "bg-creation-vs-cache-writeout", "scrub-vs-bg-deletion"]) {
      const r = checkEvents(seed(name).events, ["unpatched"]);
      expect(r.findings.map((f) => f.effect)).not.toContain("invariant");
      expect(r.findings).toHaveLength(1);
    }
  });

  test("discard_end without a discard: warning, no effect", () => {
    const r = run(`T discard_end`, "unpatched");
    expect(r.verdict).toBe("clean");
    expect(r.warnings).toEqual([expect.objectContaining({ code: "discard_without_start", seq: 1 })]);
  });

  test("observation_unexplained when the unpatched replay is clean, under every rule set", () => {
    for (const rules of ["unpatched", "patched"]) {
      const r = run(`A relocate_chunk bytenr=X\nA assert_fail`, rules);
      expect(r.verdict).toBe("clean");
      expect(r.warnings.map((w) => [w.code, w.seq])).toEqual([["observation_unexplained", 2]]);
    }
    const explained = checkEvents([...seed("balance-vs-unused-bg-deletion").events, { type: "assert_fail", data: {}, origin: { line: null, lineSeq: 0, pid: 17451, comm: "btrfs", cpu: 0, ts: null }, chain: null }], ["patched"]);
    expect(explained.warnings.filter((w) => w.code === "observation_unexplained")).toEqual([]);
  });

  test("device extents: a stripe on a live extent, a scrub of an extent no longer in the commit root", () => {
    const live = run(`C chunk_alloc bytenr=X len=1G type=DATA stripes=1:0x100000\nC chunk_alloc bytenr=Y len=1G type=DATA stripes=1:0x200000`, "unpatched");
    expect(live.warnings.map((w) => [w.code, w.seq])).toEqual([["dev_extent_in_use", 2]]);
    const gone = run(`B unused_bg_check bytenr=X outcome=proceed\nB remove_chunk bytenr=X\nB remove_block_group bytenr=X\nW commit_done gen=5\nS scrub_dev_extent bytenr=X devid=1 physical=0x100000`, "unpatched");
    expect(gone.warnings.map((w) => [w.code, w.seq])).toEqual([["dev_extent_not_in_commit_root", 5]]);
    // before the commit the commit root still shows it (race 5.4 step 4): no warning
    expect(checkEvents(seed("scrub-vs-bg-deletion").events, ["patched"]).warnings).toEqual([]);
  });

  test("gaps are listed; one inside an open chain makes a clean verdict undecidable", () => {
    const quiet = run(`W trace_gap cpu=1 lost=12\nA relocate_chunk bytenr=X`, "unpatched");
    expect(quiet).toMatchObject({ verdict: "clean", gaps: [expect.any(Number)] });
    const inChain = run(`A relocate_chunk bytenr=X\nW trace_gap cpu=1 lost=12\nA relocate_bg bytenr=X`, "unpatched");
    expect(inChain).toMatchObject({ verdict: "undecidable", undecided: [{ seq: 2 }] });
  });
});

describe("scheduling", () => {
  test("deferred events still queued when the replay stops are listed in deferredAtEnd", () => {
    const body = `
      B unused_bg_check bytenr=Z outcome=proceed
      B set_ro bytenr=Z
      B remove_chunk bytenr=Z
      B remove_block_group bytenr=Z
      A relocate_chunk bytenr=X
      B unused_bg_check bytenr=X outcome=proceed
      S scrub_chunk bytenr=Z
      A relocate_bg bytenr=X`;
    const r = run(body, "delete-unused-bgs-mutex");
    expect(r).toMatchObject({ verdict: "bug", findings: [{ effect: "scrub_einval", seq: 7 }], deferredAtEnd: [20] });
    expect(r.reordered).toEqual([expect.objectContaining({ seq: 6, pid: 20, appliedAfterSeq: null })]);
  });

  test("completion rule: a successful remove_chunk without remove_block_group in its chain removes the bg", () => {
    const events = scenario(HEAD + `A relocate_chunk bytenr=X\nA relocate_bg bytenr=X\nA remove_chunk bytenr=X`);
    const v = stateAtEvents(events, 3, ["unpatched"]);
    const bg = v.blockGroups.find((b) => b.start === String(0x1000000))!;
    expect(bg).toMatchObject({ inCacheTree: false, status: "removed", removed: false });
    expect(v.extentMaps.find((m) => m.start === String(0x1000000))).toMatchObject({ inTree: false });
    expect(stateAtEvents(events, 3, ["pin-chunks-during-trim"]).blockGroups[0]).toMatchObject({ removed: true });
  });

  test("scrub-skip-removed-chunk alone still sets removed in remove_block_group", () => {
    const events = scenario(HEAD + `B unused_bg_check bytenr=X outcome=proceed\nB remove_chunk bytenr=X\nB remove_block_group bytenr=X`);
    expect(stateAtEvents(events, 3, ["scrub-skip-removed-chunk"]).blockGroups[0]).toMatchObject({ removed: true });
    expect(stateAtEvents(events, 3, ["unpatched"]).blockGroups[0]).toMatchObject({ removed: false });
  });

  test("bootstrap and tombstones: a skip for a removed bg reads the tombstone, used is refreshed", () => {
    const events = scenario(HEAD + `A relocate_chunk bytenr=X\nA relocate_bg bytenr=X\nA remove_chunk bytenr=X\nA remove_block_group bytenr=X\nB unused_bg_check bytenr=X outcome=skip used=4096\nB unused_bg_check bytenr=Y outcome=skip used=8192`);
    const v = stateAtEvents(events, 6, ["unpatched"]);
    expect(v.blockGroups.map((b) => [b.start, b.inCacheTree, b.used, b.ro, b.itemInserted])).toEqual([
      [String(0x1000000), false, "4096", 0, true],
      [String(0x2000000), true, "8192", 0, true],
    ]);
  });

  test("allocation shift: under pin-chunks-during-trim the new chunk moves off the pinned range; eb_write follows", () => {
    const trim = seed("trim-vs-bg-removal");
    const patched = stateAtEvents(trim.events, 8, ["patched"]);
    const y = patched.extentMaps.find((m) => m.start === String(0x80000000))!;
    expect(y.stripes).toEqual([{ devid: 1, physical: String(0x40200000) }]);
    expect(patched.pinnedChunks).toEqual([String(0x40000000)]);
    const unpatched = stateAtEvents(trim.events, 8, ["unpatched"]);
    expect(unpatched.extentMaps.find((m) => m.start === String(0x80000000))!.stripes).toEqual([{ devid: 1, physical: String(0x40100000) }]);
    // the last trimmer drops the pinned map
    const end = stateAtEvents(trim.events, 12, ["patched"]);
    expect(end.pinnedChunks).toEqual([]);
    expect(end.extentMaps.find((m) => m.start === String(0x40000000))).toMatchObject({ inTree: false, pinned: false });
  });

  test("a blocked actor shows in the state: status, blockedOn, waiters, deferred events", () => {
    const v = stateAtEvents(seed("balance-vs-unused-bg-deletion").events, 5, ["patched"]);
    expect(v.mutexes).toEqual([{ name: "delete_unused_bgs_mutex", holder: 17451, waiters: [887] }]);
    expect(v.actors.find((a) => a.pid === 887)).toMatchObject({ status: "blocked", blockedOn: "delete_unused_bgs_mutex held by pid 17451" });
    expect(v.deferred).toEqual([{ pid: 887, seqs: [3, 5] }]);
    const after = stateAtEvents(seed("balance-vs-unused-bg-deletion").events, 8, ["patched"]);
    expect(after.mutexes).toEqual([{ name: "delete_unused_bgs_mutex", holder: null, waiters: [] }]);
    expect(after.deferred).toEqual([]);
  });
});

describe("rule sets", () => {
  test("resolveRules keys", () => {
    expect(resolveRules(["unpatched"]).key).toBe("unpatched");
    expect(resolveRules([]).key).toBe("unpatched");
    expect(resolveRules(["patched"]).key).toBe("patched");
    expect(resolveRules(["scrub-skip-removed-chunk", "pin-chunks-during-trim"]).key).toBe("pin-chunks-during-trim,scrub-skip-removed-chunk");
    expect(resolveRules(["scrub-skip-removed-chunk,pin-chunks-during-trim"]).names).toEqual(["pin-chunks-during-trim", "scrub-skip-removed-chunk"]);
    expect(resolveRules(["delete-unused-bgs-mutex,pin-chunks-during-trim,retry-enoent-cache-writeout,scrub-skip-removed-chunk"]).key).toBe("patched");
  });

  test("an unknown fix id is BAD_USER_INPUT naming it", () => {
    expect(() => resolveRules(["pin-chunks-during-trim,no-such-fix"])).toThrow(DomainError);
    try {
      resolveRules(["no-such-fix"]);
    } catch (e) {
      expect((e as DomainError).code).toBe("BAD_USER_INPUT");
      expect((e as DomainError).message).toContain('"no-such-fix"');
    }
  });
});
