/**
 * The web page's pure parts, on the real replay's answers: the timeline model
 * (lanes, applied order, blocked spans, cursor points) from the events and
 * `check` of a seed race replayed by the real replay service over
 * PostgreSQL; the scheduler's moves; the gradebook CSV reader.
 */
import path from "node:path";
import { createReplayService } from "../../src/replay/service.ts";
import { loadScenarioFile, SEEDS_DIR, storeScenario, scenarioMeta } from "../../src/scenario/load.ts";
import { databaseForFile } from "../helpers/db.ts";
import { appliedOrder, buildTimeline, formatArgs, addressNames, scenarioActors, spanAt, stepPoint } from "../../web/src/timeline/model.ts";
import { allowedRange, initialSchedule, moveStep, scheduleAnswer } from "../../web/src/exercises/schedule.ts";
import { parseCsv } from "../../web/src/exercises/csv.ts";
import type { CheckResult, TraceEvent } from "../../web/src/types.ts";
import { encodeEvent } from "../../src/events/catalog.ts";

const t = databaseForFile();

/** A seed race as the page receives it: events in wire form and the report of `check` (GraphQL shapes). */
async function race(name: string, rules: string) {
  const scenario = loadScenarioFile(path.join(SEEDS_DIR, `${name}.scenario`));
  const { trace } = await storeScenario(t.store, scenario);
  const stored = await t.store.read(trace.id);
  const events: TraceEvent[] = stored.map((e) => {
    const wire = JSON.parse(JSON.stringify(encodeEvent(e))) as { type: string; data: Record<string, unknown> };
    return {
      seq: e.seq,
      type: e.type,
      data: wire.data,
      bytenr: null,
      origin: { line: e.origin.line, pid: e.origin.pid, comm: e.origin.comm ?? null, task: `${e.origin.comm}-${e.origin.pid}`, cpu: e.origin.cpu ?? null, ts: null },
      chain: null,
      observation: false,
    };
  });
  const report = await createReplayService(t.store).check(trace.id, [rules]);
  const check: CheckResult = {
    verdict: report.verdict.toUpperCase() as CheckResult["verdict"],
    rules: report.rules,
    findings: report.findings,
    warnings: report.warnings.map((w) => w.message),
    reordered: report.reordered,
    undecided: report.undecided,
    deferredAtEnd: report.deferredAtEnd,
    gaps: report.gaps,
  };
  return { events, check, meta: scenarioMeta(scenario) };
}

describe("timeline model on balance-vs-unused-bg-deletion", () => {
  test("unpatched: recorded order, two task lanes named as in the scenario, the finding on step 8, no blocked span", async () => {
    const { events, check, meta } = await race("balance-vs-unused-bg-deletion", "unpatched");
    const m = buildTimeline(events, check, { lanes: "task", order: "applied", actors: scenarioActors(meta) });
    expect(m.lanes.map((l) => l.label)).toEqual(["A · btrfs [17451]", "B · btrfs-cleaner [887]"]);
    expect(m.lanes[0]!.detail).toBe("balance · CPU 0");
    expect(m.rows.map((r) => r.event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(m.rows.map((r) => r.lane)).toEqual([0, 0, 1, 0, 1, 1, 1, 0]);
    expect(m.rows.filter((r) => r.findings.length > 0).map((r) => [r.event.seq, r.findings[0]!.effect])).toEqual([[8, "assertion_failure"]]);
    expect(m.spans).toEqual([]);
    expect(m.reordered).toBe(false);
    expect(m.points).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(stepPoint(m, 0, +1)).toBe(1);
    expect(stepPoint(m, 8, +1)).toBe(8);
    expect(stepPoint(m, 1, -5)).toBe(0);
  });

  test("patched: the cleaner's steps wait for the mutex and move after balance's step 8; its lane is blocked from step 3 to 8", async () => {
    const { events, check, meta } = await race("balance-vs-unused-bg-deletion", "patched");
    expect(check.verdict).toBe("CLEAN");
    expect(appliedOrder(events, check).map((e) => e.seq)).toEqual([1, 2, 4, 8, 3, 5, 6, 7]);
    const applied = buildTimeline(events, check, { lanes: "task", order: "applied", actors: scenarioActors(meta) });
    expect(applied.rows.map((r) => r.event.seq)).toEqual([1, 2, 4, 8, 3, 5, 6, 7]);
    // Rows released by step 8 share its cursor point: the state after processing step 8.
    expect(applied.rows.map((r) => r.point)).toEqual([1, 2, 4, 8, 8, 8, 8, 8]);
    expect(applied.points).toEqual([0, 1, 2, 4, 8]);
    expect(applied.rows[3]!.released).toEqual([3, 5, 6, 7]);
    expect(applied.spans).toHaveLength(1);
    const span = applied.spans[0]!;
    expect({ lane: span.lane, from: span.fromRow, to: span.toRow, pid: span.pid, release: span.releasedAt }).toEqual({ lane: 1, from: 2, to: 3, pid: 887, release: 8 });
    expect(span.waitedFor).toMatch(/delete_unused_bgs_mutex/);
    expect(spanAt(applied, 1, 2)).toBe(span);
    expect(spanAt(applied, 0, 2)).toBeNull();

    const recorded = buildTimeline(events, check, { lanes: "task", order: "recorded", actors: scenarioActors(meta) });
    expect(recorded.rows.map((r) => r.event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(recorded.rows.map((r) => r.point)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(recorded.rows.filter((r) => r.deferred).map((r) => r.event.seq)).toEqual([3, 5, 6, 7]);
    expect(recorded.spans.map((s) => [s.fromRow, s.toRow])).toEqual([[2, 7]]);
  });

  test("CPU lanes and address names", async () => {
    const { events, check, meta } = await race("balance-vs-unused-bg-deletion", "unpatched");
    const m = buildTimeline(events, check, { lanes: "cpu", order: "recorded", actors: scenarioActors(meta) });
    expect(m.lanes.map((l) => [l.label, l.detail])).toEqual([
      ["CPU 0", "A"],
      ["CPU 1", "B"],
    ]);
    const names = addressNames(meta);
    expect(names.get("44723863552")).toBe("X");
    expect(formatArgs(events[2]!.data, names)).toBe("bytenr=X outcome=proceed");
    expect(formatArgs({ bytenr: "2147483648", len: "268435456", stripes: [{ devid: 1, physical: "1074790400" }] }, new Map())).toBe(
      "bytenr=0x80000000 len=256M stripes=1:0x40100000",
    );
  });
});

describe("scheduler moves", () => {
  const programs = [
    { actor: "A", pid: 1, comm: null, role: null, steps: ["A1 relocate_chunk bytenr=X", "A2 relocate_bg bytenr=X", "A3 remove_chunk bytenr=X"] },
    { actor: "B", pid: 2, comm: null, role: null, steps: ["B1 unused_bg_check bytenr=X", "B2 remove_chunk bytenr=X"] },
  ];

  test("starts actor after actor and answers step ids", () => {
    expect(scheduleAnswer(initialSchedule(programs))).toEqual(["A1", "A2", "A3", "B1", "B2"]);
  });

  test("a step moves freely between its own actor's neighbours", () => {
    const list = initialSchedule(programs);
    expect(allowedRange(list, 3)).toEqual({ min: 0, max: 3 }); // B1: anywhere before B2
    const r = moveStep(list, 3, 1);
    expect(scheduleAnswer(r.list)).toEqual(["A1", "B1", "A2", "A3", "B2"]);
    expect(r.clamped).toBeNull();
  });

  test("a move past the actor's own step is clamped, and says why", () => {
    const list = initialSchedule(programs);
    const r = moveStep(list, 4, 0); // B2 before B1: stops right after B1
    expect(scheduleAnswer(r.list)).toEqual(["A1", "A2", "A3", "B1", "B2"]);
    expect(r.index).toBe(4);
    expect(r.clamped).toBe("B2 stays after B1: an actor's steps keep their order");
    const down = moveStep(list, 0, 4); // A1 to the end: stops before A2
    expect(down.index).toBe(0);
    expect(down.clamped).toBe("A1 stays before A2: an actor's steps keep their order");
  });
});

test("gradebook CSV: quoted commas, doubled quotes and CRLF", () => {
  expect(parseCsv('course,title,correct\r\nos101,"Two tasks, one ""block group""",true\r\n')).toEqual([
    ["course", "title", "correct"],
    ["os101", 'Two tasks, one "block group"', "true"],
  ]);
});
