/**
 * Heavy work leaves the request loop (issue 11 item 1): jobs run in worker
 * threads under per-job budgets — wall time, the worker's heap, explored
 * states — and a job over one is stopped with BUDGET_EXCEEDED naming it; a
 * job whose client went away is withdrawn or stopped; the fair queue gives
 * each viewer its share. Real worker threads, real PostgreSQL.
 */
import { ROLE_BUDGETS, type JobBudget, type JobOwner } from "../../src/jobs/budgets.ts";
import { FairQueue } from "../../src/jobs/fair.ts";
import { poolRunner, type JobRunner } from "../../src/jobs/runner.ts";
import { generateTrace } from "../replay/generate.ts";
import { databaseForFile } from "../helpers/db.ts";
import { contendedScenario } from "./heavy.ts";

const t = databaseForFile();

const student = (key: string): JobOwner => ({ key, role: "student" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the fair queue", () => {
  const budgets = (b: Partial<JobBudget>) => () => ({ ...ROLE_BUDGETS.student, ...b });
  /** A job that waits for `release`: what runs, in order, is in `log`. */
  function gate(log: string[], name: string) {
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    return { job: async () => (log.push(name), await done, name), release };
  }

  test("one viewer's forty jobs wait behind its own: another viewer's job runs next", async () => {
    const q = new FairQueue(1, budgets({ concurrent: 1, queued: 50 }));
    const log: string[] = [];
    const many = Array.from({ length: 40 }, (_, i) => gate(log, `a${i}`));
    const runs = many.map((g) => q.run(student("a"), g.job));
    const other = gate(log, "b0");
    const b = q.run(student("b"), other.job);
    expect(log).toEqual(["a0"]);
    many[0]!.release();
    await runs[0];
    await sleep(0);
    expect(log).toEqual(["a0", "b0"]); // not a1
    other.release();
    await b;
    for (const g of many.slice(1)) g.release();
    await Promise.all(runs);
    expect(log.slice(2)).toEqual(many.slice(1).map((_, i) => `a${i + 1}`));
  });

  test("a viewer's share: `concurrent` of its jobs at once; past `queued` waiting, TOO_MANY_REQUESTS", async () => {
    const q = new FairQueue(4, budgets({ concurrent: 2, queued: 2 }));
    const log: string[] = [];
    const g = Array.from({ length: 4 }, (_, i) => gate(log, `a${i}`));
    const runs = g.map((x) => q.run(student("a"), x.job));
    await expect(q.run(student("a"), async () => "one too many")).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(log).toEqual(["a0", "a1"]);
    expect(q.stats).toEqual({ running: 2, queued: 2 });
    for (const x of g) x.release();
    await Promise.all(runs);
    expect(q.stats).toEqual({ running: 0, queued: 0 });
  });

  test("a job withdrawn while it waits never runs", async () => {
    const q = new FairQueue(1, budgets({}));
    const log: string[] = [];
    const first = gate(log, "first");
    const running = q.run(student("a"), first.job);
    const gone = new AbortController();
    const waiting = q.run(student("b"), async () => (log.push("never"), "never"), gone.signal);
    gone.abort(new Error("client went away"));
    await expect(waiting).rejects.toThrow("client went away");
    first.release();
    await running;
    expect(log).toEqual(["first"]);
  });
});

describe("the worker pool", () => {
  let big: string;
  let small: string;
  let pool: JobRunner | null = null;
  beforeAll(async () => {
    big = (await t.store.importTrace({ name: "big", source: { file: null, hash: null, format: "api" } }, [generateTrace(200_000, 7)])).id;
    small = (await t.store.importTrace({ name: "small", source: { file: null, hash: null, format: "api" } }, [generateTrace(50, 7)])).id;
  }, 120_000);
  afterEach(async () => {
    await pool?.close();
    pool = null;
  });
  /** `budget` applies to the jobs of owner "a"; any other owner has an instructor's. */
  const open = (o: { heapMb?: number; budget?: Partial<JobBudget> } = {}) =>
    (pool = poolRunner({
      databaseUrl: t.db.url,
      spoolDir: "/tmp",
      threads: 2,
      ...(o.heapMb ? { heapMb: o.heapMb } : {}),
      budgetOf: (owner) => ({ ...ROLE_BUDGETS.instructor, ...(owner.key === "a" ? o.budget : {}) }),
    }));

  test("a job runs in a worker and answers like the replay in this thread", async () => {
    const p = open();
    const report = await p.run("check", { traceId: big, rules: ["unpatched"] }, { owner: student("a") });
    expect(report.rules).toEqual(["unpatched"]);
    expect(["bug", "clean", "undecidable"]).toContain(report.verdict);
    expect(p.stats()).toMatchObject({ completed: 1, running: 0 });
  }, 120_000);

  test("exercises are generated in a worker too (generateExercises): definitions as text, key from the replay", async () => {
    const p = open();
    const made = await p.run(
      "generateExercises",
      { from: "explore", scenario: "scrub-vs-bg-deletion", traceId: null, kind: "spot-the-race", rules: ["unpatched"], count: 1, difficulty: "easy", taken: ["spot-scrub-vs-bg-deletion-easy-1"], maxStates: null },
      { owner: student("a") },
    );
    expect(made.exercises.map((e) => [e.id, e.kind, e.race, e.difficulty])).toEqual([["spot-scrub-vs-bg-deletion-easy-2", "spot-the-race", "scrub-vs-bg-deletion", "easy"]]);
    // seeds/scrub-vs-bg-deletion.scenario: "# expect unpatched: bug scrub_einval at step 7", the shortest counterexample's 7th step.
    expect(made.exercises[0]!.source).toMatch(/\nkey:\n {2}race: scrub-vs-bg-deletion\n {2}seq: 7\n/);
    expect(p.stats()).toMatchObject({ completed: 1, running: 0 });
  }, 120_000);

  test("over its wall time a job is stopped: BUDGET_EXCEEDED naming the bound; the pool goes on", async () => {
    const p = open({ budget: { wallMs: 300 } });
    const started = Date.now();
    const err = await p.run("check", { traceId: big, rules: ["patched"] }, { owner: student("a") }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BUDGET_EXCEEDED" });
    expect((err as Error).message).toMatch(/^check ran \d+ s \(your budget: 0\.3 s\): over the wall time budget; ask for less: /);
    expect(Date.now() - started).toBeLessThan(20_000); // stopped, not waited for
    expect(p.stats().overBudget).toBe(1);
    // A job within the budget runs (on a worker started after the stopped one: its start-up is not counted).
    expect((await p.run("check", { traceId: small, rules: ["patched"] }, { owner: student("b") })).rules).toEqual(["patched"]);
  }, 120_000);

  test("past its worker's heap a job is stopped: BUDGET_EXCEEDED (heap); the pool goes on", async () => {
    const p = open({ heapMb: 96 });
    // A rule set no other test checks `big` under: its verdict is not stored yet, so the check replays.
    const err = await p.run("check", { traceId: big, rules: ["delete-unused-bgs-mutex"] }, { owner: student("a") }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BUDGET_EXCEEDED" });
    expect((err as Error).message).toMatch(/^check needed more than the 96 MB a worker has: over the heap budget/);
    const explored = await p.run("explore", { scenario: "balance-vs-unused-bg-deletion", traceId: null, rules: ["unpatched"], maxSteps: null, maxStates: null }, { owner: student("a") });
    expect(explored.bugs.length).toBeGreaterThan(0);
  }, 120_000);

  test("explored states: asking for more than the role's budget is refused, naming it", async () => {
    const p = open({ budget: { maxStates: 10_000 } });
    const err = await p
      .run("explore", { scenario: contendedScenario(8, 2), traceId: null, rules: ["unpatched"], maxSteps: null, maxStates: 50_000 }, { owner: student("a") })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BUDGET_EXCEEDED", message: "maxStates 50000 is above your 10000: over the explored states budget; ask for fewer maxStates, fewer maxSteps, or explore a fork of the part you study" });
    // Without a number, the budget is the bound: the search stops there, incomplete.
    const bounded = await p.run("explore", { scenario: contendedScenario(8, 2), traceId: null, rules: ["unpatched"], maxSteps: null, maxStates: null }, { owner: student("a") });
    expect(bounded).toMatchObject({ complete: false, maxStates: 10_000 });
  }, 120_000);

  test("a job whose client went away is stopped at once, its worker replaced", async () => {
    const p = open();
    const gone = new AbortController();
    const started = Date.now();
    const long = p.run("explore", { scenario: contendedScenario(8, 2), traceId: null, rules: ["unpatched"], maxSteps: null, maxStates: 1_000_000 }, { owner: student("a"), signal: gone.signal });
    await sleep(500);
    expect(p.stats().running).toBe(1);
    gone.abort(new Error("client went away"));
    await expect(long).rejects.toBeDefined();
    expect(Date.now() - started).toBeLessThan(10_000); // the exploration alone takes over a minute
    expect(p.stats()).toMatchObject({ running: 0, cancelled: 1 });
    const next = await p.run("explore", { scenario: "scrub-vs-bg-deletion", traceId: null, rules: ["unpatched"], maxSteps: null, maxStates: null }, { owner: student("a") });
    expect(next.bugs.length).toBeGreaterThan(0);
  }, 120_000);
});
