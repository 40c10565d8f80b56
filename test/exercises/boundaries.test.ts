/**
 * Course boundaries (issue 11 item 4), through the API as the server runs it:
 * traces belong to the course that imported them; only its instructors write,
 * fork or delete them; a trace behind an open exercise is read by its course's
 * instructors alone — on every read path — until the exercise is revealed; a
 * trace behind an exercise cannot be deleted; exercises are archived, revealed
 * and deleted; feedback and attempts are set per exercise.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse, subscribe } from "graphql";
import type { AddedUser } from "../../src/exercises/accounts.ts";
import { createRequestContext, DEFAULT_LIMITS } from "../../src/resolvers/context.ts";
import { racelab } from "../helpers/cli.ts";
import { FIXTURES } from "../ftrace/helpers.ts";
import { classroomRig, type ClassroomRig } from "./helpers.ts";

const RACE_LOG = readFileSync(path.join(FIXTURES, "races/balance-vs-unused-bg-deletion.trace"), "utf8");

let rig: ClassroomRig;
let prof1: AddedUser;
let ada: AddedUser;
let prof2: AddedUser;
let bob: AddedUser;
/** C1's trace behind C1's open exercise, a fork of it, and another C1 trace behind nothing. */
let hidden: { id: string; name: string };
let forkOfHidden: string;
let open1: string;
let exercise: string;

const spot = (traceId: string, extra = "") => `id: spot-stored${extra ? `-${extra.split(":")[0]}` : ""}
kind: spot-the-race
race: balance-vs-unused-bg-deletion
title: Spot the race in a recorded log
statement: Name the race and the seq where the state first goes wrong.
hints: [Look at btrfs_remove_chunk.]
${extra}
trace:
  stored: ${traceId}
  upTo: 10
key:
  race: balance-vs-unused-bg-deletion
  seq: 9
`;

function code(r: { errors?: readonly { extensions?: Record<string, unknown> }[] }): unknown {
  return r.errors?.[0]?.extensions?.code ?? null;
}

async function importAs(token: string, name: string, text = RACE_LOG): Promise<{ id: string; name: string }> {
  const r = await rig.gql(`mutation($n: String!, $t: String!) { importTrace(name: $n, text: $t) { trace { id name } } }`, { n: name, t: text }, token);
  expect(r.errors).toBeUndefined();
  return r.data.importTrace.trace;
}

beforeAll(async () => {
  rig = await classroomRig();
  prof1 = await rig.user("instructor", "c1", "Prof One");
  ada = await rig.user("student", "c1", "Ada");
  prof2 = await rig.user("instructor", "c2", "Prof Two");
  bob = await rig.user("student", "c2", "Bob");
  hidden = await importAs(prof1.token, "c1-exam-log");
  // The same events under another name: a second import of one content answers with the first trace, so vary it.
  open1 = (await importAs(prof1.token, "c1-practice-log", RACE_LOG.replace("btrfs-2001", "btrfs-2002").replaceAll("-2001 ", "-2002 "))).id;
  const fork = await rig.gql(`mutation($t: ID!) { forkTrace(trace: $t, atSeq: 5, name: "c1-exam-fork") { id } }`, { t: hidden.id }, prof1.token);
  expect(fork.errors).toBeUndefined();
  forkOfHidden = fork.data.forkTrace.id;
  const created = await rig.gql(`mutation($d: String!) { createExercise(course: "c1", definition: $d) { id revealed archived } }`, { d: spot(hidden.id) }, prof1.token);
  expect(created.errors).toBeUndefined();
  expect(created.data.createExercise).toMatchObject({ revealed: false, archived: false });
  exercise = created.data.createExercise.id;
}, 120_000);
afterAll(async () => {
  await rig?.close();
});

/** Every GraphQL read path to a trace, by id and by name. */
const READS: readonly [string, (t: string) => string][] = [
  ["trace", (t) => `{ trace(id: "${t}") { id } }`],
  ["trace.events", (t) => `{ trace(id: "${t}") { events(first: 3) { nodes { seq } } } }`],
  ["check", (t) => `{ check(trace: "${t}", rules: ["unpatched"]) { verdict } }`],
  ["stateAt", (t) => `{ stateAt(trace: "${t}", seq: 3) { seq } }`],
  ["diff", (t) => `{ diff(trace: "${t}", from: 1, to: 3) { from } }`],
  ["explore", (t) => `{ explore(trace: "${t}", rules: ["unpatched"]) { states } }`],
];

async function replayCode(traceId: string, token: string | null): Promise<unknown> {
  const contextValue = await createRequestContext(rig.deps, DEFAULT_LIMITS, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const r = await subscribe({ schema: rig.schema, document: parse(`subscription { replay(trace: "${traceId}", rules: ["unpatched"]) { seq } }`), contextValue });
  if (Symbol.asyncIterator in r) {
    const first = await (r as AsyncGenerator<{ errors?: { originalError?: { code?: string } }[] }>).next();
    await (r as AsyncGenerator).return?.(undefined);
    return first.value?.errors?.[0]?.originalError?.code ?? null;
  }
  return (r.errors?.[0]?.originalError as { code?: string } | undefined)?.code ?? "error";
}

describe("a trace behind an open exercise is read by its course's instructors only", () => {
  const viewers = () =>
    [
      ["C1's instructor", prof1.token, null],
      ["C1's student", ada.token, "FORBIDDEN"],
      ["C2's instructor", prof2.token, "FORBIDDEN"],
      ["C2's student", bob.token, "FORBIDDEN"],
      ["anonymous", null, "FORBIDDEN"],
    ] as const;

  test.each(READS.map(([p]) => [p]))("%s: by id, by name, and of a fork made of it", async (p) => {
    const query = READS.find(([q]) => q === p)![1];
    for (const [who, token, expected] of viewers()) {
      for (const t of [hidden.id, hidden.name, forkOfHidden]) {
        expect([who, t, code(await rig.gql(query(t), {}, token))]).toEqual([who, t, expected]);
      }
      // A trace of C1 behind nothing stays readable by all.
      expect([who, code(await rig.gql(query(open1), {}, token))]).toEqual([who, null]);
    }
  });

  test("the traces list leaves it out (and its fork); the replay subscription refuses it", async () => {
    for (const [who, token, expected] of viewers()) {
      const listed = (await rig.gql(`{ traces(first: 100) { totalCount nodes { id } } }`, {}, token)).data.traces;
      const ids = listed.nodes.map((n: { id: string }) => n.id);
      expect([who, ids.includes(hidden.id), ids.includes(forkOfHidden), ids.includes(open1), listed.totalCount === ids.length]).toEqual([
        who,
        expected === null,
        expected === null,
        true,
        true,
      ]);
      expect([who, await replayCode(hidden.id, token)]).toEqual([who, expected]);
    }
  });

  test("the refusal says why, and says nothing of the trace", async () => {
    const e = (await rig.gql(READS[2]![1](hidden.id), {}, ada.token)).errors![0]!;
    expect(e.message).toBe('this trace is hidden while exercise "spot-stored" of course "c1" is open, until its instructor reveals it');
  });

  test("another course's instructor cannot build an exercise on it", async () => {
    const r = await rig.gql(`mutation($d: String!) { createExercise(course: "c2", definition: $d) { id } }`, { d: spot(hidden.id).replace("id: spot-stored", "id: spot-copy") }, prof2.token);
    expect(code(r)).toBe("FORBIDDEN");
  });
});

describe("writes stay inside the course", () => {
  const APPEND = `mutation($t: ID!, $v: Int!) { appendEvents(trace: $t, expectedVersion: $v, events: [{ type: "commit_start", origin: { pid: 9 } }]) { version } }`;
  const FORK = `mutation($t: ID!) { forkTrace(trace: $t, atSeq: 2, name: "a-fork") { id } }`;
  const DELETE = `mutation($t: ID!) { deleteTrace(trace: $t) }`;

  test("another course's instructor may not append to, fork or delete a course's trace; students write nothing", async () => {
    const version = (await rig.t.store.getTrace(open1))!.version;
    for (const [who, token, expected] of [
      ["C2's instructor", prof2.token, "FORBIDDEN"],
      ["C1's student", ada.token, "FORBIDDEN"],
      ["anonymous", null, "UNAUTHENTICATED"],
    ] as const) {
      expect([who, code(await rig.gql(APPEND, { t: open1, v: version }, token))]).toEqual([who, expected]);
      expect([who, code(await rig.gql(FORK, { t: open1 }, token))]).toEqual([who, expected]);
      expect([who, code(await rig.gql(DELETE, { t: open1 }, token))]).toEqual([who, expected]);
    }
    expect((await rig.t.store.getTrace(open1))!.version).toBe(version);
    const denied = (await rig.gql(APPEND, { t: open1, v: version }, prof2.token)).errors![0]!.message;
    expect(denied).toBe('Mutation.appendEvents: this trace belongs to course "c1": only its instructors write, fork or delete it');
    // Its own instructor may.
    expect((await rig.gql(APPEND, { t: open1, v: version }, prof1.token)).data.appendEvents.version).toBe(version + 1);
  });

  test("a trace an instructor imports is its course's; a fork is the forker's course's", async () => {
    expect((await rig.t.store.getTrace(open1))!.owner).toEqual({ courseId: (await rig.store.findCourse("c1"))!.id, userId: prof1.user.id });
    const fork = await rig.gql(`mutation($t: ID!) { forkTrace(trace: $t, atSeq: 2, name: "c1-own-fork") { id } }`, { t: open1 }, prof1.token);
    expect((await rig.t.store.getTrace(fork.data.forkTrace.id))!.owner.courseId).toBe((await rig.store.findCourse("c1"))!.id);
  });

  test("a trace behind an exercise cannot be deleted, not even by its instructor (GraphQL and CLI): CONFLICT naming the exercise", async () => {
    const r = await rig.gql(DELETE, { t: hidden.id }, prof1.token);
    expect(code(r)).toBe("CONFLICT");
    expect(r.errors![0]!.message).toBe(`trace ${hidden.id} is behind exercise "spot-stored" of course "c1": delete it first`);
    const cli = await racelab(["delete", hidden.id], { env: rig.t.env });
    expect(cli.code).toBe(4);
    expect(cli.stderr).toBe(`racelab: trace ${hidden.id} is behind exercise "spot-stored" of course "c1": delete it first\n`);
    expect(await rig.t.store.getTrace(hidden.id)).not.toBeNull();
  });
});

describe("exercises: feedback and attempts, archive, reveal, delete", () => {
  test("feedback: verdict and attempts: 2 — a wrong answer says only 'not yet'; a third answer is refused", async () => {
    const created = await rig.gql(`mutation($d: String!) { createExercise(course: "c1", definition: $d) { id feedback attempts } }`, { d: spot(open1, "feedback: verdict\nattempts: 2") }, prof1.token);
    expect(created.errors).toBeUndefined();
    expect(created.data.createExercise).toMatchObject({ feedback: "VERDICT", attempts: 2 });
    const id = created.data.createExercise.id;
    const submit = (seq: number) =>
      rig.gql(`mutation($e: ID!, $s: Int!) { submitAnswer(exercise: $e, answer: { race: "balance-vs-unused-bg-deletion", seq: $s }) { correct score feedback { summary checks { name } replays { what } } } }`, { e: id, s: seq }, ada.token);
    const wrong = await submit(4);
    expect(wrong.data.submitAnswer).toEqual({ correct: false, score: 0, feedback: { summary: "not yet", checks: [], replays: [] } });
    expect((await submit(9)).data.submitAnswer).toEqual({ correct: true, score: 1, feedback: { summary: "right", checks: [], replays: [] } });
    const third = await submit(9);
    expect(code(third)).toBe("FORBIDDEN");
    expect(third.errors![0]!.message).toBe("submitAnswer: no attempts left (2 of 2 used)");
    expect((await rig.gql(`query($e: ID!) { exercise(id: $e) { attemptsUsed } }`, { e: id }, ada.token)).data.exercise.attemptsUsed).toBe(2);
    // The instructor's view keeps the whole grade.
    const subs = await rig.gql(`query($e: ID!) { submissions(course: "c1", exercise: $e) { feedback { checks { name } } } }`, { e: id }, prof1.token);
    expect(subs.data.submissions[0].feedback.checks.length).toBeGreaterThan(0);
  });

  test("revealing the exercise opens its trace to all; archiving hides the exercise from students; deleting frees the trace", async () => {
    const check = READS[2]![1](hidden.id);
    expect(code(await rig.gql(check, {}, ada.token))).toBe("FORBIDDEN");
    expect(code(await rig.gql(`mutation($e: ID!) { revealExercise(id: $e) { id } }`, { e: exercise }, prof2.token))).toBe("NOT_FOUND");
    expect((await rig.gql(`mutation($e: ID!) { revealExercise(id: $e) { revealed } }`, { e: exercise }, prof1.token)).data.revealExercise.revealed).toBe(true);
    expect(code(await rig.gql(check, {}, ada.token))).toBeNull();
    expect(code(await rig.gql(check, {}, bob.token))).toBeNull();

    const listed = async (token: string) => ((await rig.gql(`{ exercises(course: "c1") { id } }`, {}, token)).data.exercises as { id: string }[]).map((e) => e.id);
    expect(await listed(ada.token)).toContain(exercise);
    const archived = await racelab(["exercise", "archive", exercise, "--json", "--token", prof1.token], { env: rig.t.env });
    expect(archived.stderr).toBe("");
    expect(JSON.parse(archived.stdout)).toEqual({ id: exercise, archived: true, revealed: true });
    expect(await listed(ada.token)).not.toContain(exercise);
    expect(await listed(prof1.token)).toContain(exercise);
    const late = await rig.gql(`mutation($e: ID!) { submitAnswer(exercise: $e, answer: { race: "balance-vs-unused-bg-deletion", seq: 9 }) { correct } }`, { e: exercise }, ada.token);
    expect(code(late)).toBe("NOT_FOUND");

    // Still behind an (archived) exercise: kept.
    expect(code(await rig.gql(`mutation($t: ID!) { deleteTrace(trace: $t) }`, { t: hidden.id }, prof1.token))).toBe("CONFLICT");
    expect(code(await rig.gql(`mutation($e: ID!) { deleteExercise(id: $e) }`, { e: exercise }, ada.token))).toBe("FORBIDDEN");
    expect(code(await rig.gql(`mutation { deleteExercise(id: "spot-balance") }`, {}, prof1.token))).toBe("BAD_USER_INPUT");
    expect((await rig.gql(`mutation($e: ID!) { deleteExercise(id: $e) }`, { e: exercise }, prof1.token)).data.deleteExercise).toBe(exercise);
    const { rows } = await rig.t.db.pool.query("SELECT count(*)::int AS n FROM submission_streams WHERE exercise_id = $1", [exercise]);
    expect(rows[0].n).toBe(0);
    // Free now: deleted (its fork keeps the events it shares, copied into it).
    expect((await rig.gql(`mutation($t: ID!) { deleteTrace(trace: $t) }`, { t: hidden.id }, prof1.token)).data.deleteTrace).toBe(hidden.id);
  });

  test("library exercises over the public seed scenarios stay open: their scenarios explore and check for anyone", async () => {
    const r = await rig.gql(`{ explore(scenario: "balance-vs-unused-bg-deletion", rules: ["unpatched"]) { states } }`, {}, null);
    expect(r.errors).toBeUndefined();
    const lib = await rig.gql(`{ exercise(id: "spot-balance") { revealed archived feedback attempts } }`, {}, ada.token);
    expect(lib.data.exercise).toEqual({ revealed: true, archived: false, feedback: "FULL", attempts: null });
  });
});
