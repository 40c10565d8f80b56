/**
 * `racelab user` and `racelab exercise` through their command functions
 * (the CLI framework registers them), on real PostgreSQL: a token printed
 * once and stored hashed, the library listed, shown and answered locally,
 * a course exercise answered and recorded with a token.
 */
import { hashToken } from "../../src/auth/tokens.ts";
import type { CommandModule } from "../../src/cli/command.ts";
import * as exerciseCommand from "../../src/cli/commands/exercise.ts";
import { run as exercise } from "../../src/cli/commands/exercise.ts";
import * as userCommand from "../../src/cli/commands/user.ts";
import { run as user } from "../../src/cli/commands/user.ts";
import { PgClassroomStore } from "../../src/exercises/pg-classroom.ts";
import { textSink } from "../helpers/cli.ts";
import { databaseForFile } from "../helpers/db.ts";
import { rejection } from "../helpers/errors.ts";

const t = databaseForFile();

async function cli(cmd: typeof user | typeof exercise, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  const stdout = textSink();
  const code = await cmd(argv, { stdout, store: t.store, env } as never);
  return { code, out: stdout.text };
}

async function cliError(cmd: typeof user | typeof exercise, argv: string[]): Promise<string> {
  const err = await rejection(cli(cmd, argv));
  return `${err.code}: ${err.message}`;
}

test("both are command modules of the CLI framework (registered in src/cli/commands/index.ts)", () => {
  const modules: CommandModule[] = [exerciseCommand, userCommand];
  expect(modules.map((m) => [m.name, m.needsStore ?? true])).toEqual([
    ["exercise", false],
    ["user", true],
  ]);
});

describe("racelab user", () => {
  test("add prints the token once; only its hash is stored; list never shows it", async () => {
    const r = await cli(user, ["add", "--role", "instructor", "--course", "os-2026", "--name", "Prof"]);
    expect(r.code).toBe(0);
    const m = /^created course os-2026\nadded instructor Prof \(([0-9a-f-]{36})\) to course os-2026\ntoken \(shown once, only its hash is stored; expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\):\n(rl_[A-Za-z0-9_-]{43})\n$/.exec(r.out);
    expect(m).not.toBeNull();
    const [, id, token] = m!;
    const { rows } = await t.db.pool.query("SELECT token_hash FROM users WHERE id = $1", [id]);
    expect(rows[0].token_hash).toBe(hashToken(token!));
    const list = await cli(user, ["list", "--course", "os-2026"]);
    expect(list.out).toContain(id!);
    expect(list.out).not.toContain(token!);
    expect(list.out).not.toContain(hashToken(token!));
  });

  test("add --json; bad role and missing course are one-line errors", async () => {
    const r = await cli(user, ["add", "--role", "student", "--course", "os-2026", "--name", "Ada", "--json"]);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ name: "Ada", role: "student", course: "os-2026", courseCreated: false });
    expect(j.token).toMatch(/^rl_/);
    expect(await cliError(user, ["add", "--role", "admin", "--course", "os-2026"])).toBe('BAD_USER_INPUT: --role: expected instructor or student, got "admin"');
    expect(await cliError(user, ["add", "--role", "student"])).toBe("BAD_USER_INPUT: user add: --course C is required");
  });
});

describe("racelab exercise", () => {
  test("list: the library, as text and as JSON", async () => {
    const text = await cli(exercise, ["list"]);
    expect(text.out.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(12);
    expect(text.out).toMatch(/^sched-trim\s+be-the-scheduler\s+trim-vs-bg-removal\s+Be the scheduler: fstrim against block group removal$/m);
    const json = JSON.parse((await cli(exercise, ["list", "--json"])).out);
    expect(json.find((e: { id: string }) => e.id === "spot-balance")).toEqual({ id: "spot-balance", course: null, kind: "spot-the-race", title: "Two tasks, one block group", race: null, hints: 3, events: 12 });
  });

  test("show: statement, trace and how to answer, no key; --hint N", async () => {
    const r = await cli(exercise, ["show", "spot-balance", "--hint", "2"]);
    expect(r.out).toContain("A balance (`btrfs balance start`, actor A) and the cleaner kthread");
    expect(r.out).toMatch(/^\s+12\s+A\s+remove_chunk bytenr=X$/m);
    expect(r.out).toContain("names: X = 0x5d3400000, Y = 0x2a000000");
    expect(r.out).toContain("hint 2/3: Which task decided to delete X, and had X been made read-only by anyone when it decided?");
    expect(r.out).not.toMatch(/key|seq: 12|race: balance/);
  });

  test("try: graded locally; exit 0 when right, 1 when not", async () => {
    const right = await cli(exercise, ["try", "sched-creation", "--answer", "A A B B B B A B B"]);
    expect(right.code).toBe(0);
    expect(right.out).toMatch(/^RIGHT \(score 1\): right: transaction_abort_enoent unpatched, harmless under retry-enoent-cache-writeout/);
    expect(right.out).toContain("btrfs_start_dirty_block_groups: -ENOENT for block group 0x12c00000 ignored, re-queued on dirty_bgs");
    const wrong = await cli(exercise, ["try", "wf-trim-creation", "--answer", "pin-chunks-during-trim", "--json"]);
    expect(wrong.code).toBe(1);
    const g = JSON.parse(wrong.out);
    expect(g).toMatchObject({ correct: false, score: 0 });
    expect(g.expected).toBeUndefined();
    expect(await cliError(exercise, ["try", "spot-balance", "--answer", "seq=twelve race=balance-vs-unused-bg-deletion"])).toBe("BAD_USER_INPUT: answer.seq: expected a sequence number >= 1, got NaN");
    expect(await cliError(exercise, ["try", "no-such-exercise", "--answer", "x"])).toMatch(/^NOT_FOUND: exercise: no exercise "no-such-exercise" in the library/);
  });

  test("a course's exercises need a token; try --submit records the answer in the student's stream", async () => {
    const prof = JSON.parse((await cli(user, ["add", "--role", "instructor", "--course", "os-2026", "--json"])).out);
    const bob = JSON.parse((await cli(user, ["add", "--role", "student", "--course", "os-2026", "--name", "Bob", "--json"])).out);
    expect(await cliError(exercise, ["list", "--course", "os-2026"])).toBe("UNAUTHENTICATED: exercises: sign in with a bearer token");
    const list = JSON.parse((await cli(exercise, ["list", "--course", "os-2026", "--json"], { RACELAB_TOKEN: bob.token })).out);
    expect(list.length).toBeGreaterThanOrEqual(12);
    const r = await cli(exercise, ["try", "predict-scrub", "--answer", "ro=2 exists=no map=no removed=yes", "--submit"], { RACELAB_TOKEN: bob.token });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/recorded as attempt 1 \([0-9a-f-]{36}:1\)$/m);
    const store = new PgClassroomStore(t.db);
    const stream = await store.readStream({ courseId: (await store.findCourse("os-2026"))!.id, userId: bob.user, exerciseId: "predict-scrub" });
    expect(stream.events.map((e) => e.type)).toEqual(["answer_submitted"]);
    expect(await cliError(exercise, ["try", "predict-scrub", "--answer", "ro=2", "--submit", "--token", prof.token])).toMatch(/^FORBIDDEN: submitAnswer: only students submit answers/);
  });
});

describe("racelab exercise generate (issue 16)", () => {
  let prof: { token: string };
  let ann: { token: string };
  const store = () => new PgClassroomStore(t.db);
  const courseRows = async () => store().listExercises((await store().findCourse("gen-2026"))!.id);

  beforeAll(async () => {
    prof = JSON.parse((await cli(user, ["add", "--role", "instructor", "--course", "gen-2026", "--name", "Gen Prof", "--json"])).out);
    ann = JSON.parse((await cli(user, ["add", "--role", "student", "--course", "gen-2026", "--name", "Ann", "--json"])).out);
  });

  test("--from-explore a race: --json lists the drafts stored in the course", async () => {
    const r = await cli(exercise, ["generate", "--from-explore", "trim-vs-bg-removal", "--course", "gen-2026", "--kind", "spot-the-race", "--count", "2", "--difficulty", "easy", "--json"], {
      RACELAB_TOKEN: prof.token,
    });
    expect(r.code).toBe(0);
    const { exercises } = JSON.parse(r.out);
    expect(exercises).toHaveLength(2);
    for (const e of exercises) {
      expect(Object.keys(e)).toEqual(["id", "kind", "title", "race"]);
      expect(e).toMatchObject({ kind: "spot-the-race", race: "trim-vs-bg-removal" });
      expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await courseRows()).map((row) => [row.id, row.draft])).toEqual(exercises.map((e: { id: string }) => [e.id, true]));
    // The student's list has no draft; publish shows one.
    const before = JSON.parse((await cli(exercise, ["list", "--course", "gen-2026", "--json"], { RACELAB_TOKEN: ann.token })).out);
    expect(before.map((e: { id: string }) => e.id)).not.toContain(exercises[0].id);
    expect((await cli(exercise, ["publish", exercises[0].id, "--json"], { RACELAB_TOKEN: prof.token })).out).toBe(`{"id":"${exercises[0].id}","draft":false}\n`);
    const after = JSON.parse((await cli(exercise, ["list", "--course", "gen-2026", "--json"], { RACELAB_TOKEN: ann.token })).out);
    expect(after.map((e: { id: string }) => e.id)).toContain(exercises[0].id);
  });

  test("--from-trace a .scenario file: the key is the seed's finding (seeds/scrub-vs-bg-deletion.scenario: bug scrub_einval at step 7)", async () => {
    const r = await cli(exercise, ["generate", "--from-trace", "seeds/scrub-vs-bg-deletion.scenario", "--course", "gen-2026", "--kind", "spot-the-race", "--json"], { RACELAB_TOKEN: prof.token });
    const [made] = JSON.parse(r.out).exercises;
    const row = (await courseRows()).find((x) => x.id === made.id)!;
    expect(row.source).toMatch(/\nkey:\n {2}race: scrub-vs-bg-deletion\n {2}seq: 7\n/);
  });

  test("students are refused; a scenario with no bug under the rules and bad flags are one-line errors", async () => {
    const n = (await courseRows()).length;
    expect(await cliError(exercise, ["generate", "--from-explore", "trim-vs-bg-removal", "--course", "gen-2026", "--kind", "spot-the-race", "--token", ann.token])).toBe("FORBIDDEN: exercise generate: instructors only");
    expect((await courseRows()).length).toBe(n);
    expect(await cliError(exercise, ["generate", "--from-explore", "scrub-vs-bg-deletion", "--rules", "patched", "--course", "gen-2026", "--kind", "spot-the-race", "--token", prof.token])).toBe(
      "BAD_USER_INPUT: exercise generate: scrub-vs-bg-deletion has no bug under patched (every interleaving of its 2 tasks explored): nothing to make an exercise of",
    );
    expect(await cliError(exercise, ["generate", "--course", "gen-2026", "--kind", "spot-the-race"])).toBe("BAD_USER_INPUT: exercise generate: give one of --from-explore <race|scenario|trace> and --from-trace <trace>");
    expect(await cliError(exercise, ["generate", "--from-explore", "trim-vs-bg-removal", "--kind", "spot-the-race"])).toBe("BAD_USER_INPUT: exercise generate: --course C is required (the drafts are stored in that course)");
    expect(await cliError(exercise, ["generate", "--from-explore", "trim-vs-bg-removal", "--course", "gen-2026", "--kind", "guess"])).toBe(
      'BAD_USER_INPUT: exercise generate: --kind: expected one of spot-the-race, be-the-scheduler, which-fix, predict-the-state, got "guess"',
    );
    expect(await cliError(exercise, ["generate", "--from-explore", "trim-vs-bg-removal", "--course", "gen-2026", "--kind", "which-fix", "--difficulty", "brutal"])).toBe(
      'BAD_USER_INPUT: exercise generate: --difficulty: expected one of easy, medium, hard, got "brutal"',
    );
    expect(await cliError(exercise, ["generate", "--from-trace", "seeds/trim-vs-bg-removal.scenario", "--course", "gen-2026", "--kind", "which-fix", "--token", prof.token])).toMatch(
      /^BAD_USER_INPUT: exercise generate: --from-trace makes spot-the-race and predict-the-state exercises/,
    );
  });
});
