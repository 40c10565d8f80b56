/**
 * A student's token (and another course's, and no token) tries every path of
 * the GraphQL API to an answer key or to another student's work — top-level
 * queries, nested fields, lists, error messages, the replay subscription —
 * and gets none of it. The schema is the API's (schema.graphql) merged with
 * exercises.graphql, executed by graphql-js with the API's error formatting.
 */
import path from "node:path";
import { parse, subscribe } from "graphql";
import { loadScenarioFile, SEEDS_DIR, storeScenario } from "../../src/scenario/load.ts";
import type { AddedUser } from "../../src/exercises/accounts.ts";
import { createRequestContext, DEFAULT_LIMITS } from "../../src/resolvers/context.ts";
import { classroomRig, scrubSpotDefinition, type ClassroomRig, type GqlResult } from "./helpers.ts";

let rig: ClassroomRig;
let prof: AddedUser;
let ada: AddedUser;
let eve: AddedUser;
let mallory: AddedUser;
let outsiderProf: AddedUser;
let courseExercise: string;
let adaSubmissionIds: string[] = [];
const MARK = "secret-7f3a9c";

/** Strings that must never reach anyone but the course's instructors (and Ada, for her own work). */
let secrets: { keys: RegExp[]; adaWork: string[] };

const DEFINITION = scrubSpotDefinition({ note: `${MARK}: the answer is seq 7`, id: "spot-private", title: "A private scrub race", seq: 7 });

const EXERCISE_FIELDS = `id kind title statement race hintCount hintsRevealed steps { seq actor type args } programs { actor steps }
  questions { id text } at rules fix fixChoices answerFields events`;
const SUBMISSION_FIELDS = `id attempt submittedAt answer correct score feedback { summary checks { name ok detail } replays { what verdict finding { seq message } reordered notes warnings } }`;

beforeAll(async () => {
  rig = await classroomRig();
  prof = await rig.user("instructor", "os-2026", "Prof");
  ada = await rig.user("student", "os-2026", "Ada Lovelace-sub");
  eve = await rig.user("student", "os-2026", "Eve");
  outsiderProf = await rig.user("instructor", "fs-seminar", "Outsider");
  mallory = await rig.user("student", "fs-seminar", "Mallory");

  const created = await rig.gql(`mutation($c: ID!, $d: String!) { createExercise(course: $c, definition: $d) { id } }`, { c: "os-2026", d: DEFINITION }, prof.token);
  expect(created.errors).toBeUndefined();
  courseExercise = created.data.createExercise.id;

  // Ada's work: a wrong and a right answer to the private exercise, one to a library exercise, a hint.
  for (const [ex, answer] of [
    [courseExercise, { race: "scrub-vs-bg-deletion", seq: 5 }],
    [courseExercise, { race: "scrub-vs-bg-deletion", seq: 7 }],
    ["sched-scrub", { schedule: "A A A S S A S S T".split(" ") }],
  ] as const) {
    const r = await rig.gql(`mutation($e: ID!, $a: AnswerInput!) { submitAnswer(exercise: $e, answer: $a) { id correct } }`, { e: ex, a: answer }, ada.token);
    expect(r.errors).toBeUndefined();
    adaSubmissionIds.push(r.data.submitAnswer.id);
  }
  expect((await rig.gql(`mutation($e: ID!) { hint(exercise: $e, n: 1) { text } }`, { e: courseExercise }, ada.token)).errors).toBeUndefined();

  secrets = {
    keys: [
      new RegExp(MARK),
      /the answer is seq/,
      /race [a-z-]+, seq \d+/, // Submission.expected of spot the race
      /key schedule:/, // expected of be the scheduler
      /smallest clean set/, // expected / key explanation of which fix
      /\bA A A S S A S S T\b/, // the library key of sched-scrub (and Ada's answer)
      /acceptedFixSets":\[/,
    ],
    adaWork: [...adaSubmissionIds, ada.user.id, "Ada Lovelace-sub"],
  };
});
afterAll(async () => {
  await rig?.close();
});

/** Every path we know of to keys and to other students' work, as one list of operations. */
function probes(): { name: string; query: string; variables?: Record<string, unknown> }[] {
  const e = courseExercise;
  return [
    { name: "exercise key", query: `query($e: ID!) { exercise(id: $e) { ${EXERCISE_FIELDS} key { race seq schedule fixes acceptedFixSets answers { question answer } hints explanation } definition } }`, variables: { e } },
    { name: "library keys", query: `{ exercises { id race key { race seq schedule fixes explanation } definition } }` },
    { name: "course exercises keys", query: `{ exercises(course: "os-2026") { id key { seq explanation } definition submissions { ${SUBMISSION_FIELDS} expected } } }` },
    { name: "courses nested", query: `{ courses { name exercises { id key { seq } } students { id name } submissions { id expected } gradebook } }` },
    { name: "viewer nested", query: `{ viewer { course { exercises { key { explanation } } submissions { id student { name } } gradebook } } }` },
    { name: "mySubmissions nested", query: `{ mySubmissions { ${SUBMISSION_FIELDS} expected exercise { key { seq explanation } definition submissions { id } } student { id name } } }` },
    ...adaSubmissionIds.map((id, i) => ({ name: `submission ${i}`, query: `query($id: ID!) { submission(id: $id) { ${SUBMISSION_FIELDS} expected student { id name } } }`, variables: { id } })),
    { name: "submission by guessed seq", query: `query($id: ID!) { submission(id: $id) { id answer } }`, variables: { id: adaSubmissionIds[0]!.replace(/:\d+$/, ":3") } },
    { name: "submissions of the course", query: `{ submissions(course: "os-2026") { ${SUBMISSION_FIELDS} expected student { name } } }` },
    { name: "submissions of one student", query: `query($s: ID!) { submissions(course: "os-2026", student: $s) { id answer } }`, variables: { s: ada.user.id } },
    { name: "gradebook", query: `{ gradebook(course: "os-2026") }` },
    { name: "exercise submissions", query: `query($e: ID!) { exercise(id: $e) { submissions { id answer expected student { name } } } }`, variables: { e } },
    { name: "library exercise submissions", query: `{ exercise(id: "sched-scrub") { key { schedule } submissions { id answer } mySubmissions { id } } }` },
    { name: "hint out of range", query: `mutation($e: ID!) { hint(exercise: $e, n: 9) { text } }`, variables: { e } },
    { name: "answer of the wrong shape", query: `mutation($e: ID!) { submitAnswer(exercise: $e, answer: { fixes: ["pin-chunks-during-trim"] }) { id expected } }`, variables: { e } },
    { name: "answer beyond the trace", query: `mutation($e: ID!) { submitAnswer(exercise: $e, answer: { race: "scrub-vs-bg-deletion", seq: 99 }) { id expected } }`, variables: { e } },
    { name: "create exercise", query: `mutation($d: String!) { createExercise(course: "os-2026", definition: $d) { id key { seq } } }`, variables: { d: DEFINITION.replace("spot-private", "spot-copy") } },
    { name: "create from trace", query: `mutation { createExerciseFromTrace(course: "os-2026", trace: "none", kind: SPOT_THE_RACE) { id key { seq } } }` },
    { name: "create course", query: `mutation { createCourse(name: "evil") { id } }` },
  ];
}

async function runAll(token: string | null): Promise<{ name: string; res: GqlResult }[]> {
  const out: { name: string; res: GqlResult }[] = [];
  for (const p of probes()) out.push({ name: p.name, res: await rig.gql(p.query, p.variables ?? {}, token) });
  return out;
}

function leaks(results: { name: string; res: GqlResult }[], forbidden: (string | RegExp)[]): string[] {
  const found: string[] = [];
  for (const { name, res } of results) {
    const text = JSON.stringify(res);
    for (const f of forbidden) if (typeof f === "string" ? text.includes(f) : f.test(text)) found.push(`${name}: ${String(f)}`);
  }
  return found;
}

describe("another student of the same course", () => {
  test("reaches no key and none of Ada's work, by any path", async () => {
    const results = await runAll(eve.token);
    expect(leaks(results, [...secrets.keys, ...secrets.adaWork])).toEqual([]);
  });

  test("gets FORBIDDEN on instructor-only fields, null for others' submissions, and keeps the public data", async () => {
    const byName = new Map((await runAll(eve.token)).map((r) => [r.name, r.res]));
    const codes = (n: string) => (byName.get(n)!.errors ?? []).map((e) => e.extensions?.code);
    expect(codes("exercise key")).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    expect(byName.get("exercise key")!.data.exercise).toMatchObject({ id: courseExercise, key: null, definition: null, race: null, hintsRevealed: 0 });
    expect(byName.get("exercise key")!.data.exercise.steps).toHaveLength(7);
    for (const n of ["submissions of the course", "submissions of one student", "gradebook", "create exercise", "create from trace", "create course"]) {
      expect([n, codes(n)]).toEqual([n, ["FORBIDDEN"]]);
    }
    for (const i of adaSubmissionIds.keys()) expect(byName.get(`submission ${i}`)!.data.submission).toBeNull();
    expect(byName.get("submission by guessed seq")!.data.submission).toBeNull();
    expect(byName.get("mySubmissions nested")!.data.mySubmissions).toEqual([]);
    // Errors about answers say what is wrong with the answer, nothing about the key.
    expect(byName.get("answer of the wrong shape")!.errors![0]!.message).toBe("answer.fixes: not part of a spot-the-race answer (give race, seq)");
    expect(byName.get("answer beyond the trace")!.errors![0]!.message).toBe("answer.seq: the trace has events 1..7, got 99");
  });
});

test("a student of another course does not even see the course's exercise", async () => {
  const results = await runAll(mallory.token);
  expect(leaks(results, [...secrets.keys, ...secrets.adaWork, "A private scrub race"])).toEqual([]);
  const r = await rig.gql(`query($e: ID!) { exercise(id: $e) { id } }`, { e: courseExercise }, mallory.token);
  expect(r.data.exercise).toBeNull();
  const list = await rig.gql(`{ exercises(course: "os-2026") { id } }`, {}, mallory.token);
  expect(list.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
});

test("an instructor of another course sees neither the key nor the work", async () => {
  const results = await runAll(outsiderProf.token);
  // Library keys are the library's (any instructor may see them); the course's are not.
  expect(leaks(results, [new RegExp(MARK), /0x99000000/, /A private scrub race/, ...secrets.adaWork])).toEqual([]);
});

test("without a token: the library's public data only", async () => {
  const results = await runAll(null);
  expect(leaks(results, [...secrets.keys, ...secrets.adaWork, "A private scrub race"])).toEqual([]);
  const pub = await rig.gql(`{ exercises { id statement hintCount } courses { id } viewer { id } }`);
  expect(pub.errors).toBeUndefined();
  expect(pub.data.exercises.length).toBeGreaterThanOrEqual(12);
  expect(pub.data.courses).toEqual([]);
  expect(pub.data.viewer).toBeNull();
  const hint = await rig.gql(`mutation { hint(exercise: "spot-balance", n: 1) { text } }`);
  expect(hint.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
});

test("the owner sees her own work and feedback, but still no key", async () => {
  const results = await runAll(ada.token);
  // Ada's own submissions are hers to see; the key-bearing fields are not.
  expect(leaks(results, [new RegExp(MARK), /the answer is seq/, /race [a-z-]+, seq \d+/, /key schedule:/, /smallest clean set/, /acceptedFixSets":\[/])).toEqual([]);
  const mine = await rig.gql(`{ mySubmissions { id correct expected feedback { summary } } }`, {}, ada.token);
  expect(mine.data.mySubmissions.map((s: { id: string }) => s.id)).toEqual(adaSubmissionIds);
  expect(mine.data.mySubmissions.map((s: { expected: unknown }) => s.expected)).toEqual([null, null, null]);
  expect(new Set(mine.errors!.map((e) => e.extensions?.code))).toEqual(new Set(["FORBIDDEN"]));
  const one = await rig.gql(`query($id: ID!) { submission(id: $id) { id student { name } } }`, { id: adaSubmissionIds[0] }, ada.token);
  expect(one.data.submission).toEqual({ id: adaSubmissionIds[0], student: { name: "Ada Lovelace-sub" } });
});

test("the course's instructor sees keys, every submission and the gradebook", async () => {
  const r = await rig.gql(
    `query($e: ID!) { exercise(id: $e) { race key { race seq explanation } definition submissions { id expected student { name } } } gradebook(course: "os-2026") }`,
    { e: courseExercise },
    prof.token,
  );
  expect(r.errors).toBeUndefined();
  expect(r.data.exercise.key).toMatchObject({ race: "scrub-vs-bg-deletion", seq: 7 });
  expect(r.data.exercise.definition).toContain(MARK);
  expect(r.data.exercise.submissions.map((s: { id: string }) => s.id)).toEqual(adaSubmissionIds.slice(0, 2));
  expect(r.data.exercise.submissions[0].expected).toMatch(/^race scrub-vs-bg-deletion, seq 7: /);
  expect(r.data.gradebook).toContain(`,${ada.user.id},Ada Lovelace-sub,${courseExercise},`);
});

test("students' work never becomes a trace, so the trace queries and the replay subscription cannot reach it", async () => {
  const traces = await rig.gql(`{ traces { totalCount } }`, {}, eve.token);
  expect(traces.data.traces.totalCount).toBe(0);
  // A stored trace with an exercise on it: its replay streams the trace's events, nothing of the classroom.
  const { trace } = await storeScenario(rig.t.store, loadScenarioFile(path.join(SEEDS_DIR, "scrub-vs-bg-deletion.scenario")), "lab-scrub");
  const made = await rig.gql(`mutation($t: ID!) { createExerciseFromTrace(course: "os-2026", trace: $t, kind: SPOT_THE_RACE) { id } }`, { t: trace.id }, prof.token);
  expect(made.errors).toBeUndefined();
  await rig.gql(`mutation($e: ID!) { submitAnswer(exercise: $e, answer: { race: "scrub-vs-bg-deletion", seq: 7 }) { id } }`, { e: made.data.createExerciseFromTrace.id }, ada.token);
  // While the exercise is open its trace is its instructors' only (boundaries.test.ts); revealed, it is anyone's.
  expect((await rig.gql(`{ traces { totalCount } }`, {}, eve.token)).data.traces.totalCount).toBe(0);
  expect((await rig.gql(`mutation($e: ID!) { revealExercise(id: $e) { revealed } }`, { e: made.data.createExerciseFromTrace.id }, prof.token)).errors).toBeUndefined();
  const ctx = await createRequestContext(rig.deps, DEFAULT_LIMITS, { headers: { authorization: `Bearer ${eve.token}` } });
  const it = await subscribe({
    schema: rig.schema,
    document: parse(`subscription($t: ID!) { replay(trace: $t) { seq total event { type data origin { pid comm } } findings { message } } }`),
    variableValues: { t: trace.id },
    contextValue: ctx,
  });
  expect(Symbol.asyncIterator in (it as object)).toBe(true);
  const msgs: string[] = [];
  for await (const m of it as AsyncIterable<{ data?: { replay: { seq: number } } }>) msgs.push(JSON.stringify(m));
  expect(msgs.length).toBe(trace.version);
  expect(leaks([{ name: "subscription", res: { data: msgs as never } }], [...secrets.keys, ...secrets.adaWork])).toEqual([]);
  expect((await rig.gql(`{ traces { totalCount } }`, {}, eve.token)).data.traces.totalCount).toBe(1);
});
