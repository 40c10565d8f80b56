/**
 * The classroom on real PostgreSQL: bearer tokens stored as hashes, roles,
 * submissions as append-only events with expected-version appends, hints one
 * at a time, the live gradebook equal to the one rebuilt from the events,
 * the CSV export, and exercises created by instructors — from a definition
 * or from an imported ftrace log, keys computed and checked by the replay.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hashToken } from "../../src/auth/tokens.ts";
import { ANONYMOUS, viewerFromToken, type Viewer } from "../../src/auth/viewer.ts";
import { importFile } from "../../src/ftrace/import.ts";
import { loadScenarioFile, SEEDS_DIR, storeScenario } from "../../src/scenario/load.ts";
import { GRADEBOOK_COLUMNS } from "../../src/exercises/csv.ts";
import type { AddedUser } from "../../src/exercises/accounts.ts";
import { rejection } from "../helpers/errors.ts";
import { classroomRig, scrubSpotDefinition, type ClassroomRig } from "./helpers.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RACE_TRACES = path.join(HERE, "../ftrace/fixtures/races");

let rig: ClassroomRig;
let prof: AddedUser;
let ada: AddedUser;
let bob: AddedUser;
let other: AddedUser;
const v: Record<string, Viewer> = {};

const rejects = async (p: Promise<unknown>, code: string): Promise<string> => (await rejection(p, code)).message;

beforeAll(async () => {
  rig = await classroomRig();
  prof = await rig.user("instructor", "os-2026", "Prof. Lamport");
  ada = await rig.user("student", "os-2026", "Ada");
  bob = await rig.user("student", "os-2026", "Bob");
  other = await rig.user("instructor", "fs-seminar", "Dr. Other");
  for (const [k, u] of Object.entries({ prof, ada, bob, other })) v[k] = await viewerFromToken(rig.t.db, `Bearer ${u.token}`);
});
afterAll(async () => {
  await rig?.close();
});

describe("bearer tokens", () => {
  test("only the sha256 of a token is stored; the token itself appears nowhere in the users table", async () => {
    expect(ada.token).toMatch(/^rl_[A-Za-z0-9_-]{43}$/);
    const { rows } = await rig.t.db.pool.query("SELECT * FROM users WHERE id = $1", [ada.user.id]);
    expect(rows[0].token_hash).toBe(hashToken(ada.token));
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    const all = JSON.stringify((await rig.t.db.pool.query("SELECT * FROM users")).rows);
    for (const u of [prof, ada, bob, other]) expect(all).not.toContain(u.token);
  });

  test("a token identifies its user; no header is anonymous; a wrong or malformed one is UNAUTHENTICATED", async () => {
    expect(v.ada).toMatchObject({ kind: "user", id: ada.user.id, name: "Ada", role: "student", courseName: "os-2026" });
    expect(await viewerFromToken(rig.t.db, undefined)).toEqual(ANONYMOUS);
    expect(await viewerFromToken(rig.t.db, "")).toEqual(ANONYMOUS);
    await rejects(viewerFromToken(rig.t.db, `Bearer rl_${"A".repeat(43)}`), "UNAUTHENTICATED");
    await rejects(viewerFromToken(rig.t.db, `Basic ${ada.token}`), "UNAUTHENTICATED");
    await rejects(viewerFromToken(rig.t.db, `Bearer ${ada.token}x`), "UNAUTHENTICATED");
  });

  test("tokens are unique per user, and adding to a new course creates it", async () => {
    expect(new Set([prof, ada, bob, other].map((u) => u.token)).size).toBe(4);
    expect(prof.courseCreated).toBe(true);
    expect(ada.courseCreated).toBe(false);
    expect(other.course.name).toBe("fs-seminar");
  });
});

describe("submissions are events", () => {
  test("each answer is appended to the student's stream with its grade; the stream is append-only", async () => {
    const s1 = await rig.classroom.submit(v.ada!, "spot-creation", { race: "bg-creation-vs-cache-writeout", seq: 10 });
    const s2 = await rig.classroom.submit(v.ada!, "spot-creation", { race: "bg-creation-vs-cache-writeout", seq: 11 });
    expect([s1.attempt, s1.grade.correct, s2.attempt, s2.grade.correct]).toEqual([1, false, 2, true]);
    expect(s1.streamId).toBe(s2.streamId);
    const { rows } = await rig.t.db.pool.query("SELECT seq, type, data FROM submission_events WHERE stream_id = $1 ORDER BY seq", [s1.streamId]);
    expect(rows.map((r) => [r.seq, r.type, r.data.answer.seq, r.data.grade.correct])).toEqual([
      [1, "answer_submitted", 10, false],
      [2, "answer_submitted", 11, true],
    ]);
    await expect(rig.t.db.pool.query("UPDATE submission_events SET data = '{}' WHERE stream_id = $1", [s1.streamId])).rejects.toThrow(/append-only/);
  });

  test("with a stale expectedVersion the append is a CONFLICT and nothing is written", async () => {
    const before = await rig.store.readStream({ courseId: ada.course.id, userId: bob.user.id, exerciseId: "wf-none" });
    await rig.classroom.submit(v.bob!, "wf-none", { fixes: [] }, { expectedVersion: before.version });
    await rejects(rig.classroom.submit(v.bob!, "wf-none", { fixes: ["pin-chunks-during-trim"] }, { expectedVersion: before.version }), "CONFLICT");
    const after = await rig.store.readStream({ courseId: ada.course.id, userId: bob.user.id, exerciseId: "wf-none" });
    expect(after.version).toBe(before.version + 1);
  });

  test("hints come one at a time; each first reveal is recorded once", async () => {
    expect(await rejects(rig.classroom.hint(v.bob!, "sched-trim", 2), "BAD_USER_INPUT")).toBe("n: hints come one at a time: reveal hint 1 first");
    const h1 = await rig.classroom.hint(v.bob!, "sched-trim", 1);
    expect(h1).toMatchObject({ n: 1, of: 3, revealed: 1, text: "The damage is done by a discard that is still running when new metadata lands in its range." });
    await rig.classroom.hint(v.bob!, "sched-trim", 1);
    const h2 = await rig.classroom.hint(v.bob!, "sched-trim", 2);
    expect(h2.revealed).toBe(2);
    const stream = await rig.store.readStream({ courseId: ada.course.id, userId: bob.user.id, exerciseId: "sched-trim" });
    expect(stream.events.map((e) => [e.type, e.type === "hint_revealed" ? e.data.n : null])).toEqual([
      ["hint_revealed", 1],
      ["hint_revealed", 2],
    ]);
    // Instructors read any hint without a stream of their own.
    expect((await rig.classroom.hint(v.prof!, "sched-trim", 3)).revealed).toBe(3);
    await rejects(rig.classroom.hint(ANONYMOUS, "sched-trim", 1), "UNAUTHENTICATED");
  });

  test("instructors do not submit; anonymous users neither", async () => {
    await rejects(rig.classroom.submit(v.prof!, "wf-none", { fixes: [] }), "FORBIDDEN");
    await rejects(rig.classroom.submit(ANONYMOUS, "wf-none", { fixes: [] }), "UNAUTHENTICATED");
  });
});

describe("the gradebook", () => {
  test("rebuilt from the submission events equals the live one, also after concurrent submissions", async () => {
    const work: Promise<unknown>[] = [];
    for (const who of [v.ada!, v.bob!]) {
      work.push(rig.classroom.submit(who, "sched-balance", { schedule: "A A A A B B B B".split(" ") }));
      work.push(rig.classroom.submit(who, "sched-balance", { schedule: "A A B A B B B A".split(" ") }));
      work.push(rig.classroom.submit(who, "predict-creation", { answers: { exists: "yes", item: "yes", dirty: "yes", commits: "0" } }));
      work.push(rig.classroom.submit(who, "wf-either", { fixes: ["delete-unused-bgs-mutex"] }));
    }
    await Promise.all(work);
    await rig.classroom.hint(v.ada!, "predict-creation", 1);
    await rig.classroom.submit(v.ada!, "predict-creation", { answers: { exists: "yes", item: "no", dirty: "yes", commits: "0" } });

    const live = (await rig.classroom.gradebook(v.prof!, "os-2026")).entries;
    const rebuilt = (await rig.classroom.rebuiltGradebook(v.prof!, "os-2026")).entries;
    const key = (e: { userId: string; exerciseId: string }) => `${e.userId}|${e.exerciseId}`;
    const sort = <T extends { userId: string; exerciseId: string }>(xs: T[]) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    expect(sort(rebuilt)).toEqual(sort(live));
    expect(live.length).toBeGreaterThanOrEqual(8);

    const adaPredict = live.find((e) => e.userId === ada.user.id && e.exerciseId === "predict-creation")!;
    expect(adaPredict).toMatchObject({ attempts: 2, hintsUsed: 1, bestScore: 1, correct: true, lastScore: 1, firstCorrectSeq: 3 });
    const bobSched = live.find((e) => e.userId === bob.user.id && e.exerciseId === "sched-balance")!;
    expect(bobSched).toMatchObject({ attempts: 2, correct: true, bestScore: 1 });
  });

  test("the live gradebook row is folded in the append's transaction: deleting it and re-appending rebuilds nothing by itself", async () => {
    // A projection row lost (say, by an operator) is visible as a difference between live and rebuilt.
    await rig.t.db.pool.query("DELETE FROM gradebook_entries WHERE user_id = $1 AND exercise_id = 'wf-either'", [bob.user.id]);
    const live = (await rig.classroom.gradebook(v.prof!, "os-2026")).entries;
    const rebuilt = (await rig.classroom.rebuiltGradebook(v.prof!, "os-2026")).entries;
    expect(rebuilt.length).toBe(live.length + 1);
    // Restore it from the events (what an audit would do) so later tests see a consistent gradebook.
    const row = rebuilt.find((e) => e.userId === bob.user.id && e.exerciseId === "wf-either")!;
    await rig.t.db.pool.query(
      `INSERT INTO gradebook_entries (course_id, user_id, exercise_id, attempts, hints_used, best_score, correct, first_correct_seq, first_correct_at, last_score, last_submitted_at, version)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
      [row.courseId, row.userId, row.exerciseId, row.attempts, row.hintsUsed, row.bestScore, row.correct, row.firstCorrectSeq, row.firstCorrectAt, row.lastScore, row.lastSubmittedAt, row.version],
    );
  });

  test("CSV: a header and one row per student and exercise, matching the gradebook", async () => {
    const csv = await rig.classroom.gradebookCsv(v.prof!, "os-2026");
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe(GRADEBOOK_COLUMNS.join(","));
    const exercises = await rig.classroom.exercises(v.prof!, "os-2026");
    expect(lines.length).toBe(1 + 2 * exercises.length);
    const adaRow = lines.find((l) => l.includes(`,${ada.user.id},Ada,predict-creation,`))!;
    const cells = adaRow.split(",");
    const col = (name: (typeof GRADEBOOK_COLUMNS)[number]) => cells[GRADEBOOK_COLUMNS.indexOf(name)];
    expect([col("attempts"), col("hints_used"), col("best_score"), col("correct"), col("last_score")]).toEqual(["2", "1", "1", "true", "1"]);
    // Titles with commas are quoted.
    expect(csv).toContain('"Predict the state: removed, but not forgotten"');
  });

  test("only instructors of the course get it", async () => {
    await rejects(rig.classroom.gradebookCsv(v.ada!, "os-2026"), "FORBIDDEN");
    await rejects(rig.classroom.gradebookCsv(v.other!, "os-2026"), "NOT_FOUND");
    await rejects(rig.classroom.gradebookCsv(ANONYMOUS, "os-2026"), "UNAUTHENTICATED");
  });
});

describe("exercises created by instructors", () => {
  const DEFINITION = (seq: number) => scrubSpotDefinition({ note: `secret: the state breaks at step ${seq}`, id: "spot-mine", title: "My own scrub race", seq });

  test("a definition whose key the replay contradicts is refused with definition:line, and nothing is stored", async () => {
    const msg = await rejects(rig.classroom.createExercise(v.prof!, "os-2026", DEFINITION(6)), "BAD_USER_INPUT");
    expect(msg).toBe("definition:22: key.seq: the replay finds the state first wrong at seq 7 (scrub_einval), the key says 6");
    expect((await rig.t.db.pool.query("SELECT count(*)::int AS n FROM exercises")).rows[0].n).toBe(0);
  });

  test("a good definition becomes a course exercise students of the course can answer", async () => {
    const h = await rig.classroom.createExercise(v.prof!, "os-2026", DEFINITION(7));
    expect(h.course?.name).toBe("os-2026");
    const listed = await rig.classroom.exercises(v.ada!, "os-2026");
    expect(listed.map((e) => e.loaded.ref)).toContain(h.loaded.ref);
    const sub = await rig.classroom.submit(v.ada!, h.loaded.ref, { race: "scrub-vs-bg-deletion", seq: 7 });
    expect(sub.grade.correct).toBe(true);
    expect(sub.courseId).toBe(ada.course.id);
    // Not visible from another course, nor anonymously.
    expect(await rig.classroom.exercise(v.other!, h.loaded.ref)).toBeNull();
    expect(await rig.classroom.exercise(ANONYMOUS, h.loaded.ref)).toBeNull();
    // Same id twice in a course: CONFLICT.
    await rejects(rig.classroom.createExercise(v.prof!, "os-2026", DEFINITION(7)), "CONFLICT");
  });

  test("students and other courses' instructors cannot create exercises here", async () => {
    await rejects(rig.classroom.createExercise(v.ada!, "os-2026", DEFINITION(7)), "FORBIDDEN");
    await rejects(rig.classroom.createExercise(v.other!, "os-2026", DEFINITION(7)), "NOT_FOUND");
  });

  test("from an imported ftrace log: the keys are computed by the replay", async () => {
    const imported = await importFile(rig.t.store, path.join(RACE_TRACES, "balance-vs-unused-bg-deletion.trace"), { name: "lab-balance" });
    const trace = imported.trace;
    const spot = await rig.classroom.createExerciseFromTrace(v.prof!, "os-2026", "lab-balance", { kind: "spot-the-race" });
    expect(spot.loaded.def.kind).toBe("spot-the-race");
    expect(spot.loaded.trace.events.length).toBe(trace.version);
    const key = spot.loaded.def.kind === "spot-the-race" ? spot.loaded.def.key : null;
    expect(key?.race).toBe("balance-vs-unused-bg-deletion");
    // The student's right answer is graded right, a neighbour wrong.
    expect((await rig.classroom.submit(v.bob!, spot.loaded.ref, { race: key!.race, seq: key!.seq })).grade.correct).toBe(true);
    expect((await rig.classroom.submit(v.bob!, spot.loaded.ref, { race: key!.race, seq: key!.seq - 1 })).grade.correct).toBe(false);

    const wf = await rig.classroom.createExerciseFromTrace(v.prof!, "os-2026", trace.id, { kind: "which-fix", id: "wf-lab-balance" });
    expect(wf.loaded.def.kind === "which-fix" && wf.loaded.def.key.fixes).toEqual(["delete-unused-bgs-mutex"]);

    const pids = spot.loaded.trace.actors.map((a) => a.name);
    const predict = await rig.classroom.createExerciseFromTrace(v.prof!, "os-2026", trace.id, {
      kind: "predict-the-state",
      id: "predict-lab-balance",
      at: 1,
      rules: ["delete-unused-bgs-mutex"],
      questions: [{ ask: "mutex-holder" }, { ask: "commits" }],
    });
    const qs = predict.loaded.def.kind === "predict-the-state" ? predict.loaded.def.questions : [];
    expect(qs.map((q) => q.ask)).toEqual(["mutex-holder", "commits"]);
    expect([...pids, "none"]).toContain(qs[0]!.answer);
    expect(qs[1]!.answer).toBe("0");
  });

  test("from a clean trace there is nothing to spot, but a which-fix exercise (answer: none) can be made", async () => {
    await storeScenario(rig.t.store, loadScenarioFile(path.join(SEEDS_DIR, "scrub-vs-bg-deletion.benign.scenario")), "lab-benign");
    expect(await rejects(rig.classroom.createExerciseFromTrace(v.prof!, "os-2026", "lab-benign", { kind: "spot-the-race" }), "BAD_USER_INPUT")).toBe(
      "trace: lab-benign replays clean under unpatched: there is no race to spot",
    );
    const wf = await rig.classroom.createExerciseFromTrace(v.prof!, "os-2026", "lab-benign", { kind: "which-fix", race: "scrub-vs-bg-deletion" });
    expect(wf.loaded.def.kind === "which-fix" && wf.loaded.def.key.fixes).toEqual([]);
  });
});
