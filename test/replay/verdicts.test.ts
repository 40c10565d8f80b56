/**
 * Verdicts as a stored projection (issue 12), through the replay service and
 * the real store: a stored report is the report a replay gives with the
 * trace's coverage (strictly, so nothing is lost on the way through JSON;
 * coverage's values: test/replay/coverage.test.ts), several rule sets read a trace
 * once, verdicts of another engine version are neither served nor kept, and
 * the long parts report progress.
 */
import type { RaceEvent } from "../../src/events/types.ts";
import { traceCoverage } from "../../src/explore/coverage.ts";
import { checkTrace, prepareTrace } from "../../src/replay/check.ts";
import { ENGINE_VERSION } from "../../src/replay/engine.ts";
import { createReplayService } from "../../src/replay-service.ts";
import { seedScenarios } from "../../src/scenario/load.ts";
import { counted } from "../helpers/counting.ts";
import { databaseForFile } from "../helpers/db.ts";
import { generateTrace } from "./generate.ts";

const t = databaseForFile();

async function importEvents(name: string, events: readonly RaceEvent[]) {
  return t.store.importTrace({ name, source: { file: null, hash: null, format: "api" } }, [events]);
}

test("a stored verdict is exactly the replay's report, for every seed under every rule set tried", async () => {
  const seeds = await seedScenarios(t.store);
  const ruleSets = ["unpatched", "patched", "pin-chunks-during-trim,scrub-skip-removed-chunk", "retry-enoent-cache-writeout"];
  const service = createReplayService(t.store);
  for (const { name, trace } of seeds) {
    const fresh = await service.checks(trace.id, ruleSets.map((r) => [r]));
    // A new service (a new process) answers from the store.
    const stored = await createReplayService(t.store).checks(trace.id, ruleSets.map((r) => [r]));
    const events = await t.store.read(trace.id);
    const coverage = traceCoverage(prepareTrace(events));
    for (const [i, r] of ruleSets.entries()) {
      const expected = { ...checkTrace(events, [r]).report, trace: trace.id, coverage };
      expect({ name, r, report: fresh[i] }).toStrictEqual({ name, r, report: expected });
      expect({ name, r, report: stored[i] }).toStrictEqual({ name, r, report: expected });
    }
  }
});

test("several rule sets of one trace: its events are read once, then not at all", async () => {
  const info = await importEvents("read-once", generateTrace(3000, 3, { removals: 0.01 }));
  const calls = new Map<string, number>();
  const store = counted(t.store, calls);
  const service = createReplayService(store);
  const reports = await service.checks(info.id, [["unpatched"], ["patched"], ["delete-unused-bgs-mutex"]]);
  expect(reports.map((r) => r.ruleSet)).toEqual(["unpatched", "patched", "delete-unused-bgs-mutex"]);
  expect([calls.get("read"), calls.get("loadVerdict"), calls.get("saveVerdict")]).toEqual([1, 3, 3]);
  calls.clear();
  await service.checks(info.id, [["patched"], ["unpatched"]]);
  expect([calls.get("read"), calls.get("loadVerdict"), calls.get("saveVerdict")]).toEqual([undefined, 2, undefined]);
});

test("a verdict of another engine version is not served, and is dropped when the current one is stored", async () => {
  const info = await importEvents("engines", generateTrace(500, 4));
  const { rows: none } = await t.db.pool.query("SELECT 1 FROM verdicts WHERE trace_id = $1", [info.id]);
  expect(none).toEqual([]);
  const bogus = JSON.stringify({ verdict: "undecidable", note: "from an older engine" });
  await t.db.pool.query("INSERT INTO verdicts (trace_id, rules, engine, trace_version, report) VALUES ($1, 'patched', $2, $3, $4)", [
    info.id,
    ENGINE_VERSION - 1,
    info.version,
    bogus,
  ]);
  const report = await createReplayService(t.store).check(info.id, ["patched"]);
  const events = await t.store.read(info.id);
  expect(report).toStrictEqual({ ...checkTrace(events, ["patched"]).report, trace: info.id, coverage: traceCoverage(prepareTrace(events)) });
  const { rows } = await t.db.pool.query("SELECT engine, trace_version FROM verdicts WHERE trace_id = $1", [info.id]);
  expect(rows).toEqual([{ engine: ENGINE_VERSION, trace_version: info.version }]);
});

test("progress: reading and replaying a cold check, building snapshots; nothing for a stored verdict", async () => {
  const N = 40_000;
  const info = await importEvents("progress", generateTrace(N, 5, { removals: 0.001 }));
  const calls: [string, number, number][] = [];
  const service = createReplayService(t.store, { every: 1000, progress: (phase, done, total) => void calls.push([phase, done, total]) });
  await service.check(info.id, ["patched"]);
  expect([...new Set(calls.map(([phase]) => phase))]).toEqual(["reading events", "replaying under patched"]);
  for (const [, done, total] of calls) {
    expect(total).toBe(N);
    expect(done >= 0 && done <= N).toBe(true);
  }
  // One call per 16384 events pushed: 0, 16384 and 32768 at least.
  expect(calls.filter(([phase]) => phase === "replaying under patched").length).toBeGreaterThanOrEqual(3);

  calls.length = 0;
  await service.check(info.id, ["patched"]);
  expect(calls).toEqual([]);

  await service.stateAt(info.id, 12_345, ["patched"]);
  expect([...new Set(calls.map(([phase]) => phase))]).toEqual(["reading events", "building snapshots (patched)"]);
  expect(calls[calls.length - 1]).toEqual(["building snapshots (patched)", N, N]);
});
