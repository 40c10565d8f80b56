/**
 * The explorer's building blocks: programs per task, the exact naive count,
 * transaction-handle windows, and how a made-up schedule is replayed and
 * written down (semantics.ts, counterexample.ts).
 */
import { confirmSchedule, scheduleTrace, stepsJson } from "../../src/explore/counterexample.ts";
import { exploreProgram } from "../../src/explore/explore.ts";
import { MAX_ACTORS, multinomial, naiveCount, programFromEvents, programFromScenario } from "../../src/explore/program.ts";
import { handleWindows } from "../../src/explore/semantics.ts";
import { checkEvents } from "../../src/replay/check.ts";
import { resolveRules } from "../../src/rules/index.ts";
import { scenario, seed } from "../replay/helpers.ts";

const fact = (n: bigint): bigint => (n <= 1n ? 1n : n * fact(n - 1n));

test("multinomial: exact, also far beyond 2^53", () => {
  expect(multinomial([4, 4, 1, 2, 1])).toBe(415800n);
  expect(multinomial([])).toBe(1n);
  expect(multinomial([7])).toBe(1n);
  expect(multinomial([1, 1, 1])).toBe(6n);
  expect(multinomial([25, 30, 35, 1])).toBe(fact(91n) / (fact(25n) * fact(30n) * fact(35n)));
  expect(multinomial([200, 200])).toBe(fact(400n) / fact(200n) ** 2n);
});

test("programs: one per task in declaration order, events in order, chains kept", () => {
  const sc = seed("trim-vs-bg-removal");
  const p = programFromScenario(sc, "trim");
  expect(p.actors.map((a) => a.name)).toEqual(["A", "B", "T", "C", "W"]);
  expect(p.steps.map((s) => s.length)).toEqual([4, 4, 1, 2, 1]);
  expect(naiveCount(p)).toBe(415800n);
  expect(p.steps[0]!.map((e) => e.ev.type)).toEqual(["trim_bg", "discard_start", "discard_end", "trim_bg_end"]);
  // stable ids: each event's seq in the scenario
  expect(p.steps[1]!.map((e) => e.seq)).toEqual([1, 2, 5, 6]);
  // B's deletion chain: one chain, first and last where the program has them
  const b = p.steps[1]!.map((e) => e.ann!);
  expect(new Set(b.map((a) => a.key)).size).toBe(1);
  expect(b.map((a) => [a.first, a.last])).toEqual([[true, false], [false, false], [false, false], [false, true]]);
  expect(p.itemsUnknown).toBe(true);
});

test("programs of a trace: tasks named by first appearance, gaps and observations left out, --pids", () => {
  const events = scenario(`
    actor P pid=10
    actor Q pid=20
    Q set_ro bytenr=0x1000
    P relocate_chunk bytenr=0x2000
    Q assert_fail
    P remove_chunk bytenr=0x2000
  `).map((e) => ({ ...e, origin: { ...e.origin, comm: null } }));
  const gap = { type: "trace_gap", data: { cpu: 1, lost: 5 }, origin: { line: 99, lineSeq: 0, pid: 0, comm: null, cpu: 1, ts: null }, chain: null } as const;
  const p = programFromEvents([...events, gap], { name: "t" });
  expect(p.actors.map((a) => [a.name, a.pid])).toEqual([["A", 20], ["B", 10]]);
  expect(p.steps.map((s) => s.map((e) => e.ev.type))).toEqual([["set_ro"], ["relocate_chunk", "remove_chunk"]]);
  expect(p.dropped).toEqual({ gaps: 1, observations: 1, otherPids: 0 });
  const only = programFromEvents(events, { name: "t", pids: [10] });
  expect(only.actors.map((a) => a.pid)).toEqual([10]);
  expect(only.dropped.otherPids).toBe(1); // (its assert_fail is counted as an observation)
  expect(() => programFromEvents(events, { name: "t", pids: [30] })).toThrow(/--pids: no event of pid 30 in t/);
});

test("more tasks than the explorer takes: an error that says what to do", () => {
  const lines: string[] = [];
  for (let i = 1; i <= MAX_ACTORS + 1; i++) lines.push(`actor T${i} pid=${i}`, `T${i} commit_done gen=${i}`);
  expect(() => programFromScenario({ ...seed("scrub-vs-bg-deletion"), events: scenario(lines.join("\n")), actors: [] } as never, "many")).toThrow(
    `many: ${MAX_ACTORS + 1} tasks`,
  );
});

test("transaction-handle windows: a removal from remove_chunk to remove_block_group, a creation up to bg_items_insert", () => {
  const trim = programFromScenario(seed("trim-vs-bg-removal"), "trim");
  expect(handleWindows(trim.steps[1]!)).toEqual([{ start: 2, end: 3, chain: trim.steps[1]![0]!.ann!.key }]);
  expect(handleWindows(trim.steps[3]!)).toEqual([]); // C never inserts its items in this scenario
  const creation = programFromScenario(seed("bg-creation-vs-cache-writeout"), "creation");
  expect(handleWindows(creation.steps[0]!)).toEqual([{ start: 0, end: 2, chain: null }]);
  // balance's chain has no recorded remove_block_group (the completion rule adds it at once): no window
  const balance = programFromScenario(seed("balance-vs-unused-bg-deletion"), "balance");
  expect(handleWindows(balance.steps[0]!)).toEqual([]);
});

test("no explored schedule commits while another task holds a handle", () => {
  // patched trim: committing between the cleaner's remove_chunk and remove_block_group would free R
  // while X's extent map is still unpinned; the kernel's commit waits for the cleaner's handle.
  const p = programFromScenario(seed("trim-vs-bg-removal"), "trim");
  const r = exploreProgram(p, resolveRules(["patched"]), { reduction: false, stateCaching: true });
  expect(r.complete).toBe(true);
  expect(r.bugs).toEqual([]);
});

test("a check moved after balance removed the block group is recomputed, and the saved trace says skip", () => {
  const p = programFromScenario(seed("balance-vs-unused-bg-deletion"), "balance");
  const rules = resolveRules(["unpatched"]);
  const schedule = [0, 0, 0, 0, 1, 1, 1, 1]; // balance first, then the cleaner
  const steps = stepsJson(p, rules, schedule);
  expect(steps[4]).toMatchObject({ actor: "B", type: "unused_bg_check", outcome: "skip" });
  const { events } = scheduleTrace(p, rules, schedule);
  // the cleaner's check, recorded as a skip; the rest of its chain, which the skip drops, is left out
  expect(events.map((e) => e.type)).toEqual(["relocate_chunk", "relocate_bg", "set_ro", "remove_chunk", "unused_bg_check"]);
  expect((events[4]!.data as { outcome: string }).outcome).toBe("skip");
  const r = checkEvents(events, ["unpatched"]);
  expect(r.verdict).toBe("clean");
  expect(r.warnings.filter((w) => w.code === "check_outcome_inconsistent")).toEqual([]);
  expect(confirmSchedule(p, rules, schedule).report.verdict).toBe("clean");
});

test("a chunk allocation moved before the commit is placed off the range still in use, and the saved trace carries the placement", () => {
  const p = programFromScenario(seed("trim-vs-bg-removal"), "trim");
  const rules = resolveRules(["unpatched"]);
  // A trims X and discards R; the cleaner removes X; C allocates Y on R before the commit: R is still X's
  const schedule = [0, 0, 1, 1, 1, 1, 3, 3, 4, 0, 0, 2];
  const { events } = scheduleTrace(p, rules, schedule);
  const alloc = events.find((e) => e.type === "chunk_alloc")!;
  const stripes = (alloc.data as { stripes: readonly { devid: number; physical: bigint }[] }).stripes;
  expect(stripes[0]!.physical).toBeGreaterThanOrEqual(0x40100000n + (1n << 20n));
  expect(checkEvents(events, ["unpatched"]).verdict).toBe("clean");
  expect(exploreProgram(p, rules).bugs[0]!.schedule.length).toBe(10);
});

test("a schedule the replay cannot decide is reported apart, never as a bug", async () => {
  const { explore } = await import("../../src/explore/report.ts");
  const { parseScenario } = await import("../../src/scenario/parse.ts");
  // scrub names no block group: after the cleaner removed X, its scrub_chunk may or may not be X's (DOMAIN §4.7 b)
  const text = `
    let X = 0x3c400000
    actor A pid=887 comm=btrfs-cleaner role=cleaner
    actor S pid=4410 comm=btrfs role=scrub
    A unused_bg_check bytenr=X outcome=proceed
    A set_ro bytenr=X
    A remove_chunk bytenr=X
    S scrub_dev_extent bytenr=? devid=1 physical=0x7c400000
    S set_ro bytenr=?
    A remove_block_group bytenr=X
    S scrub_chunk bytenr=?
  `.replace(/^\s+/gm, "");
  const rep = explore(programFromScenario(parseScenario(text, "unbound.scenario"), "unbound"), ["unpatched"]);
  expect(rep.bugs).toEqual([]);
  expect(rep.result.outcomes.undecidable).toBeGreaterThan(0);
  expect(rep.undecidable).toMatchObject({ why: expect.stringMatching(/^scrub_chunk of an unknown chunk/) });
  // its shortest example: the cleaner removes X before the unbound scrub_chunk
  const types = rep.undecidable!.stepsJson.map((s) => s.type);
  expect(types.indexOf("remove_block_group")).toBeLessThan(types.indexOf("scrub_chunk"));
  expect(checkEvents(scheduleTrace(rep.program, rep.rules, rep.undecidable!.schedule).events, ["unpatched"]).verdict).toBe("undecidable");
  expect(rep.statement).toMatch(/No bug is reachable .* but \d+ explored schedule\(s\) end undecidable/);
});
