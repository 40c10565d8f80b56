/**
 * generateExercises over GraphQL against real PostgreSQL (issue 16): for
 * instructors only (students FORBIDDEN, nothing stored), stored as drafts the
 * students never see until published; a draft's statement edited, published,
 * answered; drafts kept out of the gradebook; a stored trace's finding made
 * into a spot-the-race whose key is the check's first finding, its trace
 * hidden from students while the exercise is open; refusals in one line.
 */
import { loadScenarioFile, SEEDS_DIR, storeScenario } from "../../src/scenario/load.ts";
import type { AddedUser } from "../../src/exercises/accounts.ts";
import { classroomRig, type ClassroomRig } from "./helpers.ts";
import path from "node:path";

let rig: ClassroomRig;
let prof: AddedUser;
let ada: AddedUser;
let other: AddedUser;

beforeAll(async () => {
  rig = await classroomRig();
  prof = await rig.user("instructor", "os-2026", "Prof. Lamport");
  ada = await rig.user("student", "os-2026", "Ada");
  other = await rig.user("instructor", "fs-seminar", "Dr. Other");
});
afterAll(async () => {
  await rig?.close();
});

const GENERATE = `mutation ($course: ID!, $input: GenerateExercisesInput!) {
  generateExercises(course: $course, input: $input) { exercises { id kind title race draft statement key { schedule seq race } } notes }
}`;

const courseExercises = async (token: string) => (await rig.gql(`{ exercises(course: "os-2026") { id draft } }`, {}, token)).data!.exercises.filter((e: { id: string }) => /^[0-9a-f-]{36}$/.test(e.id));

describe("who may generate", () => {
  test("a student: FORBIDDEN, and nothing is stored", async () => {
    const res = await rig.gql(GENERATE, { course: "os-2026", input: { scenario: "balance-vs-unused-bg-deletion", kind: "BE_THE_SCHEDULER" } }, ada.token);
    expect(res.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([["FORBIDDEN", "generateExercises: instructors only"]]);
    expect(res.data).toBeNull();
    expect(await rig.store.listExercises((await rig.store.findCourse("os-2026"))!.id)).toEqual([]);
  });

  test("anonymous: UNAUTHENTICATED; another course's instructor: NOT_FOUND (the course is not revealed)", async () => {
    const anon = await rig.gql(GENERATE, { course: "os-2026", input: { scenario: "balance-vs-unused-bg-deletion", kind: "SPOT_THE_RACE" } });
    expect(anon.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const stranger = await rig.gql(GENERATE, { course: "os-2026", input: { scenario: "balance-vs-unused-bg-deletion", kind: "SPOT_THE_RACE" } }, other.token);
    expect(stranger.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});

describe("drafts", () => {
  let drafts: { id: string; kind: string; title: string; race: string; draft: boolean; key: { schedule: string[] } }[];

  beforeAll(async () => {
    const res = await rig.gql(GENERATE, { course: "os-2026", input: { scenario: "balance-vs-unused-bg-deletion", kind: "BE_THE_SCHEDULER", count: 2, difficulty: "HARD" } }, prof.token);
    expect(res.errors).toBeUndefined();
    drafts = res.data.generateExercises.exercises;
  });

  test("stored as drafts of the course, of the kind and race asked, with their key", async () => {
    expect(drafts).toHaveLength(2);
    for (const d of drafts) expect(d).toMatchObject({ kind: "BE_THE_SCHEDULER", race: "balance-vs-unused-bg-deletion", draft: true });
    expect(drafts[0]!.key.schedule.length).toBeGreaterThan(8);
    const rows = await rig.store.listExercises((await rig.store.findCourse("os-2026"))!.id);
    expect(rows.map((r) => [r.id, r.draft])).toEqual(drafts.map((d) => [d.id, true]));
  });

  test("the instructor previews them; students see no draft, cannot open or answer one", async () => {
    expect((await courseExercises(prof.token)).map((e: { id: string }) => e.id)).toEqual(drafts.map((d) => d.id));
    expect(await courseExercises(ada.token)).toEqual([]);
    expect((await rig.gql(`query ($id: ID!) { exercise(id: $id) { id } }`, { id: drafts[0]!.id }, ada.token)).data.exercise).toBeNull();
    const answer = await rig.gql(`mutation ($id: ID!, $s: [String!]) { submitAnswer(exercise: $id, answer: { schedule: $s }) { correct } }`, { id: drafts[0]!.id, s: drafts[0]!.key.schedule }, ada.token);
    expect(answer.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  test("the instructor edits a draft's statement: checked again and stored, the key unchanged", async () => {
    const d = drafts[0]!;
    const res = await rig.gql(
      `mutation ($id: ID!, $s: String) { editDraft(id: $id, statement: $s) { statement draft definition key { schedule } } }`,
      { id: d.id, s: "Balance (A) and the cleaner (B) both work on X. Make the unpatched kernel hit the ASSERT." },
      prof.token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.editDraft).toMatchObject({ statement: "Balance (A) and the cleaner (B) both work on X. Make the unpatched kernel hit the ASSERT.", draft: true, key: { schedule: d.key.schedule } });
    expect(res.data.editDraft.definition).toMatch(/\nstatement: \|-\n {2}Balance \(A\) and the cleaner \(B\) both work on X\. Make the unpatched kernel hit the ASSERT\.\nhints:/);
    const bad = await rig.gql(`mutation ($id: ID!, $t: String) { editDraft(id: $id, title: $t) { title } }`, { id: d.id, t: "bell\u0007" }, prof.token);
    expect(bad.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(bad.errors?.[0]?.message).toMatch(/^exercise sched-balance-vs-unused-bg-deletion-hard-1 of course os-2026:\d+: title: contains the control character/);
    const student = await rig.gql(`mutation ($id: ID!) { editDraft(id: $id, statement: "x") { id } }`, { id: d.id }, ada.token);
    expect(student.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  test("published: the students see it and the key scores 1; it no longer changes; a dropped draft is gone", async () => {
    const d = drafts[0]!;
    const pub = await rig.gql(`mutation ($id: ID!) { publishExercise(id: $id) { id draft } }`, { id: d.id }, prof.token);
    expect(pub.data.publishExercise).toEqual({ id: d.id, draft: false });
    expect(await courseExercises(ada.token)).toEqual([{ id: d.id, draft: false }]);
    const answer = await rig.gql(`mutation ($id: ID!, $s: [String!]) { submitAnswer(exercise: $id, answer: { schedule: $s }) { correct score } }`, { id: d.id, s: d.key.schedule }, ada.token);
    expect(answer.data.submitAnswer).toEqual({ correct: true, score: 1 });
    const late = await rig.gql(`mutation ($id: ID!) { editDraft(id: $id, statement: "later") { id } }`, { id: d.id }, prof.token);
    expect(late.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    // The gradebook counts published exercises only.
    const csv: string = (await rig.gql(`{ gradebook(course: "os-2026") }`, {}, prof.token)).data.gradebook;
    expect(csv).toContain(d.id);
    expect(csv).not.toContain(drafts[1]!.id);
    const dropped = await rig.gql(`mutation ($id: ID!) { deleteExercise(id: $id) }`, { id: drafts[1]!.id }, prof.token);
    expect(dropped.data.deleteExercise).toBe(drafts[1]!.id);
    expect((await courseExercises(prof.token)).map((e: { id: string }) => e.id)).toEqual([d.id]);
  });
});

describe("from a stored trace", () => {
  test("its finding as a spot-the-race: the key is the check's first finding; the trace is hidden from students while the draft is open", async () => {
    const { trace } = await storeScenario(rig.t.store, loadScenarioFile(path.join(SEEDS_DIR, "scrub-vs-bg-deletion.scenario")), "scrub-race");
    const res = await rig.gql(GENERATE, { course: "os-2026", input: { from: "TRACE", trace: "scrub-race", kind: "SPOT_THE_RACE", difficulty: "MEDIUM" } }, prof.token);
    expect(res.errors).toBeUndefined();
    const [ex] = res.data.generateExercises.exercises;
    const check = await rig.gql(`query ($t: ID!) { check(trace: $t, rules: ["unpatched"]) { findings { race seq } } }`, { t: trace.id }, prof.token);
    // seeds/scrub-vs-bg-deletion.scenario: "# expect unpatched: bug scrub_einval at step 7"
    expect(check.data.check.findings[0]).toEqual({ race: "scrub-vs-bg-deletion", seq: 7 });
    expect(ex.key).toMatchObject({ race: "scrub-vs-bg-deletion", seq: 7 });
    const seen = await rig.gql(`query ($t: ID!) { trace(id: $t) { id } }`, { t: trace.id }, ada.token);
    expect(seen.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("refusals", () => {
  test("a scenario with no bug under the rules: BAD_USER_INPUT in one line", async () => {
    const res = await rig.gql(GENERATE, { course: "os-2026", input: { scenario: "scrub-vs-bg-deletion", kind: "SPOT_THE_RACE", rules: ["patched"] } }, prof.token);
    expect(res.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ["BAD_USER_INPUT", "exercise generate: scrub-vs-bg-deletion has no bug under patched (every interleaving of its 2 tasks explored): nothing to make an exercise of"],
    ]);
  });

  test("bad input names the field", async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ from: "TRACE", kind: "SPOT_THE_RACE" }, "BAD_USER_INPUT", "input.trace: TRACE takes its findings from a stored trace: give trace"],
      [{ kind: "SPOT_THE_RACE" }, "BAD_USER_INPUT", "input.scenario: give exactly one of scenario and trace"],
      [{ scenario: "no-such-race", kind: "SPOT_THE_RACE" }, "NOT_FOUND", 'input.scenario: no seed scenario "no-such-race" (a race id such as balance-vs-unused-bg-deletion, <race>.benign, or a scenario\'s text)'],
      [{ scenario: "trim-vs-bg-removal", kind: "SPOT_THE_RACE", count: 50 }, "BAD_USER_INPUT", "input.count: expected 1..20, got 50"],
      [{ scenario: "trim-vs-bg-removal", kind: "SPOT_THE_RACE", rules: ["frob"] }, "BAD_USER_INPUT", 'input.rules: unknown fix "frob" in rule set (known: unpatched, patched, delete-unused-bgs-mutex, pin-chunks-during-trim, retry-enoent-cache-writeout, scrub-skip-removed-chunk)'],
    ];
    for (const [input, code, message] of cases) {
      const res = await rig.gql(GENERATE, { course: "os-2026", input }, prof.token);
      expect([input, res.errors?.[0]?.extensions?.code, res.errors?.[0]?.message]).toEqual([input, code, message]);
    }
  });
});
