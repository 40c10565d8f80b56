/**
 * `racelab explore` end to end: the JSON shape, the bounds, saving a
 * counterexample as a trace that the normal replay checks (real
 * PostgreSQL), exploring a stored trace, and the CLI binary itself.
 */
import { run } from "../../src/cli/commands/explore.ts";
import { DomainError } from "../../src/errors.ts";
import { createReplayService } from "../../src/replay-service.ts";
import { checkEvents } from "../../src/replay/check.ts";
import { loadScenarioFile, storeScenario } from "../../src/scenario/load.ts";
import { seedFile } from "../../src/explore/source.ts";
import { databaseForFile } from "../helpers/db.ts";
import { racelab, textSink } from "../helpers/cli.ts";

const t = databaseForFile();

async function explore(args: string[], withStore = true): Promise<string> {
  const stdout = textSink();
  const code = await run(args, withStore ? { stdout, store: t.store } : { stdout });
  expect(code).toBe(0);
  return stdout.text;
}

const json = async (args: string[], withStore = true) => JSON.parse(await explore([...args, "--json"], withStore)) as Record<string, any>;

test("--json: counts, the exact naive number, and each bug with its schedule", async () => {
  const r = await json(["trim-vs-bg-removal", "--rules", "unpatched"], false);
  expect(r).toMatchObject({ source: "trim-vs-bg-removal", rules: "unpatched", naive: 415800, complete: true, limits: [] });
  expect(r.schedules).toBeGreaterThan(0);
  expect(r.schedules).toBeLessThan(415800);
  expect(r.states).toBeGreaterThan(r.schedules);
  expect(r.bugs).toHaveLength(1);
  const b = r.bugs[0];
  expect(b).toMatchObject({ race: "trim-vs-bg-removal", effect: "discard_overwrites_metadata", confirmed: { agrees: true } });
  expect(b.schedule.length).toBe(b.steps);
  expect(b.schedule[0]).toEqual(expect.objectContaining({ step: 1, actor: expect.any(String), pid: expect.any(Number), type: expect.any(String) }));
  const end = b.schedule[b.schedule.length - 1];
  expect(end).toMatchObject({ actor: "A", pid: 3001, type: "discard_end", bytenr: String(0x40000000) });
  const patched = await json(["trim-vs-bg-removal", "--rules", "patched"], false);
  expect(patched.bugs).toEqual([]);
  expect(patched.statement).toMatch(/^No bug is reachable under patched within the bound/);
});

test("a naive number beyond 2^53 is printed exactly", async () => {
  // 40 tasks would be too many; 3 tasks of 20 events: 60!/(20!^3) ≈ 5.8e26
  const lines = ["actor A pid=1 role=writer", "actor B pid=2 role=writer", "actor C pid=3 role=writer"];
  for (let i = 0; i < 20; i++) for (const a of "ABC") lines.push(`${a} eb_write bytenr=0x${(0x100000 * (i + 1)).toString(16)} len=16K`);
  const file = `${t.dataDir ?? "/tmp"}/many-${process.pid}.scenario`;
  const fs = await import("node:fs");
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  const text = await explore([file, "--rules", "unpatched", "--max-states", "50", "--json"], false);
  const fact = (n: bigint): bigint => (n <= 1n ? 1n : n * fact(n - 1n));
  expect(text).toContain(`"naive":${fact(60n) / fact(20n) ** 3n},`);
  expect(text).toContain('"naive":577831214478475823831865900,');
  const r = JSON.parse(text);
  expect(r.complete).toBe(false);
  fs.rmSync(file);
});

test("bounds: a cut exploration says so and claims nothing", async () => {
  const steps = await json(["balance-vs-unused-bg-deletion", "--rules", "patched", "--max-steps", "3"], false);
  expect(steps.complete).toBe(false);
  expect(steps.limits).toEqual([expect.stringMatching(/^step bound hit: .* cut at 3 of 8 events \(--max-steps 3\)/)]);
  expect(steps.statement).toMatch(/incomplete.*not a proof/);
  const states = await json(["trim-vs-bg-removal", "--rules", "patched", "--max-states", "20"], false);
  expect(states.complete).toBe(false);
  expect(states.states).toBeLessThanOrEqual(20);
  expect(states.limits[0]).toMatch(/^state bound hit: stopped after 20 distinct states \(--max-states 20\)/);
  // a bug found before the bound is still reported, with the warning
  const found = await json(["balance-vs-unused-bg-deletion", "--rules", "unpatched", "--max-states", "12"], false);
  if (found.bugs.length > 0) expect(found.statement).toMatch(/incomplete/);
  const text = await explore(["trim-vs-bg-removal", "--rules", "patched", "--max-states", "20"], false);
  expect(text).toContain("! state bound hit");
  expect(text).not.toContain("No bug is reachable");
});

test("bad input is one error naming the place", async () => {
  const err = (args: string[]) => run(args, { stdout: textSink(), store: t.store }).then(() => null, (e: unknown) => e);
  await expect(err(["trim-vs-bg-removal", "--max-steps", "0"])).resolves.toMatchObject({ code: "BAD_USER_INPUT", message: 'explore: --max-steps: expected a positive integer, got "0"' });
  await expect(err(["trim-vs-bg-removal", "--rules", "no-such-fix"])).resolves.toBeInstanceOf(DomainError);
  await expect(err(["no-such-scenario-or-trace"])).resolves.toMatchObject({ code: "NOT_FOUND" });
  await expect(err(["trim-vs-bg-removal", "--pids", "1,x"])).resolves.toMatchObject({ code: "BAD_USER_INPUT" });
  await expect(err(["trim-vs-bg-removal", "--pids", "42"])).resolves.toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringContaining("--pids: no event of pid 42") });
});

test("--save: the counterexample becomes a trace the normal replay checks, and the fix cures it", async () => {
  const out = await explore(["scrub-vs-bg-deletion", "--rules", "unpatched", "--save", "scrub-ce"]);
  expect(out).toMatch(/saved: counterexample of scrub_einval as trace scrub-ce \(/);
  const trace = (await t.store.findTrace("scrub-ce"))!;
  expect(trace).not.toBeNull();
  expect(trace.source.format).toBe("explore");
  expect((trace.meta as any).explore).toMatchObject({ from: "scrub-vs-bg-deletion", rules: "unpatched", race: "scrub-vs-bg-deletion", effect: "scrub_einval" });
  const events = await t.store.read(trace.id);
  expect(checkEvents(events, ["unpatched"]).findings[0]).toMatchObject({ race: "scrub-vs-bg-deletion", effect: "scrub_einval", seq: (trace.meta as any).explore.step });
  const service = createReplayService(t.store);
  expect((await service.check(trace.id, ["unpatched"])).verdict).toBe("bug");
  expect((await service.check(trace.id, ["patched"])).verdict).toBe("clean");
  // saving the same schedule again finds it
  const again = await explore(["scrub-vs-bg-deletion", "--rules", "unpatched", "--save", "scrub-ce-2"]);
  expect(again).toMatch(/already stored: counterexample of scrub_einval as trace scrub-ce /);
  // nothing to save under patched
  expect(await explore(["scrub-vs-bg-deletion", "--rules", "patched", "--save", "none"])).toContain("nothing saved: no counterexample");
  expect(await t.store.findTrace("none")).toBeNull();
});

test("a stored trace is explored by pid, with the same result as its scenario", async () => {
  const sc = loadScenarioFile(seedFile("bg-creation-vs-cache-writeout")!);
  const { trace } = await storeScenario(t.store, sc, "creation-stored");
  const fromTrace = await json([trace.id, "--rules", "unpatched"]);
  const fromScenario = await json(["bg-creation-vs-cache-writeout", "--rules", "unpatched"], false);
  const strip = (r: Record<string, any>) => ({ ...r, source: null, elapsedMs: null });
  expect(strip(fromTrace)).toEqual(strip(fromScenario));
  // by name too, and --pids keeps only some tasks (the committer alone cannot abort)
  const alone = await json(["creation-stored", "--rules", "unpatched", "--pids", "18499"]);
  expect(alone.actors).toEqual([{ name: "B", pid: 18499, comm: "fsstress", events: 7 }]);
  expect(alone.naive).toBe(1);
  expect(alone.bugs).toEqual([]);
});

test("the racelab binary: text output with the diagram, exit code 0", async () => {
  const res = await racelab(["explore", "bg-creation-vs-cache-writeout", "--rules", "retry-enoent-cache-writeout"], { env: t.env });
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("explore bg-creation-vs-cache-writeout under retry-enoent-cache-writeout");
  expect(res.stdout).toMatch(/No bug is reachable under retry-enoent-cache-writeout within the bound/);
  const bug = await racelab(["explore", "bg-creation-vs-cache-writeout", "--rules", "unpatched"], { env: t.env });
  expect(bug.code).toBe(0);
  expect(bug.stdout).toContain("BUG transaction_abort_enoent (bg-creation-vs-cache-writeout): shortest counterexample, 6 steps");
  expect(bug.stdout).toContain("  step  CPU 0: A = kworker/u16:3[18480]");
  const bad = await racelab(["explore", "bg-creation-vs-cache-writeout", "--max-states", "1e3"], { env: t.env });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^racelab: explore: --max-states/);
});
