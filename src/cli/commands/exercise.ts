/**
 * `racelab exercise list|show|try`: classroom exercises from a terminal.
 * The shared library (seeds/exercises) needs no database and no token: a
 * student can read an exercise and have an answer graded locally against the
 * replay. A course's own exercises go through the classroom service with the
 * bearer token (--token or RACELAB_TOKEN), which enforces the role as the API
 * does; `try --submit` records the answer in the student's stream.
 */
import { FIX_IDS } from "../../rules/index.ts";
import { RACE_IDS } from "../../events/races.ts";
import type { Writable } from "node:stream";
import { DomainError, UnreachableCaseError } from "../../errors.ts";
import type { Database } from "../../db/connection.ts";
import type { EventStore } from "../../events/store.ts";
import { viewerFromToken, type Viewer } from "../../auth/viewer.ts";
import { parseAnswerText } from "../../exercises/answers.ts";
import { gradeAnswer } from "../../exercises/grade.ts";
import { EXERCISES_DIR, library } from "../../exercises/library.ts";
import { PgClassroomStore } from "../../exercises/pg-classroom.ts";
import { isUuid } from "../../names.ts";
import { createClassroom, libraryHandle, type ClassroomService, type ExerciseHandle } from "../../exercises/service.ts";
import type { Grade, LoadedExercise } from "../../exercises/types.ts";
import { publicView, type ExerciseView } from "../../exercises/view.ts";
import { openCommandStore, openResources, parseCommandArgs } from "../command.ts";
import { printable } from "../../names.ts";
import { parseGenerate, runGenerate } from "./exercise-generate.ts";

export interface ExerciseCommandContext {
  readonly stdout: Writable;
  readonly stderr?: Writable;
  /** The store of the other commands (a PgEventStore, whose `db` the classroom uses); opened on demand when absent. */
  readonly store?: EventStore & { readonly db?: Database };
  readonly env?: NodeJS.ProcessEnv;
  /** Library folder (tests); default seeds/exercises. */
  readonly libraryDir?: string;
}

export const name = "exercise";
/** `list` and `show`/`try` of the library need no database; course commands open it themselves. */
export const needsStore = false;
export const summary = "classroom exercises: list, show, and try an answer (graded against the replay); generate a course's, publish, archive, reveal or delete them";
export const usage = `racelab exercise list [--course C] [--json]
       racelab exercise show <id> [--hint N] [--json]
       racelab exercise try <id> --answer ANSWER [--submit] [--json]
       racelab exercise generate --from-explore <race|scenario|trace> | --from-trace <trace> --course C --kind K [--rules R] [--count N] [--difficulty D] [--json]
       racelab exercise publish|archive|reveal|delete <id> [--json]`;
export const help = `${usage}

list   the shared library (seeds/exercises); with --course, also the course's own
       exercises (needs the database and a token)
show   the statement, the trace (or the actors' programs, or the questions) and
       how to answer; --hint N also prints hint N (hints 1..N-1 first, one at a time)
try    grades ANSWER against the replay and explains the grade; --submit also
       records it in your submission stream (students, with a token)
generate (instructors, with a token) exercises racelab writes itself, stored in
       course C as drafts (only its instructors see them until published):
       --from-explore explores the tasks of a seed scenario (a race id such
       as ${RACE_IDS[0]}, or <race>.benign), a .scenario
       file, a stored trace or a kernel trace file (imported first) under
       --rules (default unpatched) and makes exercises from the
       counterexamples, shortest first, then distinct ones; --from-trace takes
       the window around a stored or imported trace's finding (spot-the-race,
       predict-the-state). Keys, hints and an explanation come from the
       replay. K: spot-the-race, be-the-scheduler, which-fix,
       predict-the-state; --count N (default 1,
       fewer when there are no more distinct ones); --difficulty easy|medium|hard
       (default medium: easy keeps only the tasks the failure needs, medium and
       hard add tasks and steps on other block groups and commits, never
       changing the key). --json prints {"exercises":[{"id","kind","title","race"}]}
publish  (instructors of its course) a draft becomes visible to the students
archive  (instructors of its course, with a token) a course exercise leaves the
       students' lists and takes no more answers; its trace is readable again
reveal the exercise's trace becomes readable by all (while an exercise on a
       stored trace is open only its course's instructors read that trace)
delete the exercise with its submissions; its trace can then be deleted

ANSWER, by kind (or JSON with the same fields):
  spot the race      race=${RACE_IDS[0]} seq=8
  be the scheduler   A A B A B B B A          (one actor per step; A1 B1 … also work)
  which fix          ${FIX_IDS[0]},${FIX_IDS[FIX_IDS.length - 1]}   (or none)
  predict the state  holder=A cleaner-waits=yes x-ro=no

Options:
  --token T    bearer token (default: $RACELAB_TOKEN); needed for course exercises
  --json       machine-readable output
Exit code of try: 0 when the answer is right, 1 when it is not.
`;

const OPTIONS = {
  course: { type: "string", value: "C", description: "list: also the exercises of course C (needs a token); generate: the course the drafts go to" },
  "from-explore": { type: "string", value: "SOURCE", description: "generate: explore this seed scenario, .scenario file or trace" },
  "from-trace": { type: "string", value: "TRACE", description: "generate: the window around this trace's finding" },
  kind: { type: "string", value: "K", description: "generate: spot-the-race, be-the-scheduler, which-fix or predict-the-state" },
  rules: { type: "string", value: "R", description: "generate: the rule set explored or replayed under (default unpatched)" },
  count: { type: "string", value: "N", description: "generate: how many exercises (default 1)" },
  difficulty: { type: "string", value: "D", description: "generate: easy, medium (default) or hard" },
  json: { type: "boolean", description: "machine-readable output" },
  hint: { type: "string", value: "N", description: "show: also print hint N" },
  answer: { type: "string", value: "ANSWER", description: "try: the answer to grade" },
  submit: { type: "boolean", description: "try: record the answer in your submission stream (students)" },
  token: { type: "string", value: "T", description: "bearer token (default $RACELAB_TOKEN)" },
} as const;

interface Session {
  readonly viewer: Viewer;
  readonly classroom: ClassroomService;
  readonly store: EventStore;
  close(): Promise<void>;
}

/** The classroom over the database, as the token's owner. */
async function session(ctx: ExerciseCommandContext, token: string | undefined): Promise<Session> {
  const owned = ctx.store?.db ? null : await openCommandStore();
  const closeOwned = async () => {
    if (!owned) return;
    openResources.delete(closeOwned);
    await owned.close();
  };
  if (owned) openResources.add(closeOwned);
  const store = (owned ?? ctx.store)!;
  const db = (owned ?? ctx.store)!.db!;
  try {
    const viewer = await viewerFromToken(db, token ? `Bearer ${token}` : undefined);
    const classroom = createClassroom({ classroom: new PgClassroomStore(db), store, libraryDir: ctx.libraryDir });
    return { viewer, classroom, store, close: closeOwned };
  } catch (err) {
    await closeOwned();
    throw err;
  }
}

function out(ctx: ExerciseCommandContext, text: string): void {
  ctx.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

function renderView(v: ExerciseView): string {
  const lines: string[] = [];
  lines.push(`${v.id}  [${v.kind}]  ${printable(v.title)}`);
  if (v.race) lines.push(`race: ${v.race}`);
  lines.push("", v.statement.trimEnd(), "");
  if (v.names.length > 0) lines.push(`names: ${v.names.map((n) => `${n.name} = ${n.address}`).join(", ")}`, "");
  if (v.steps) {
    lines.push("trace:");
    for (const s of v.steps) lines.push(`  ${String(s.seq).padStart(3)}  ${s.actor.padEnd(6)} ${s.type}${s.args ? ` ${s.args}` : ""}`);
    lines.push("");
  }
  if (v.programs) {
    lines.push("programs:");
    for (const p of v.programs) {
      lines.push(`  ${p.actor} = ${p.comm ?? "?"}[${p.pid}]${p.role ? ` (${p.role})` : ""}`);
      for (const s of p.steps) lines.push(`    ${s}`);
    }
    lines.push(`under the fix: ${v.fix}`, "");
  }
  if (v.questions) {
    lines.push(`questions (state after steps 1..${v.at} under ${v.rules?.join(",")}):`);
    for (const q of v.questions) lines.push(`  ${q.id}: ${q.text}  [${q.answerType}]`);
    lines.push("");
  }
  if (v.fixChoices) lines.push(`fixes: ${v.fixChoices.join(", ")}`, "");
  lines.push(`hints: ${v.hintCount} (racelab exercise show ${v.id} --hint 1)`);
  lines.push(`answer: racelab exercise try ${v.id} --answer ${ANSWER_EXAMPLE[v.kind]}`);
  return lines.join("\n");
}

const ANSWER_EXAMPLE: Record<ExerciseView["kind"], string> = {
  "spot-the-race": '"race=RACE seq=N"',
  "be-the-scheduler": '"A B A …"',
  "which-fix": "FIX[,FIX…]|none",
  "predict-the-state": '"QUESTION=VALUE …"',
};

function renderGrade(g: Grade): string {
  const lines = [`${g.correct ? "RIGHT" : "NOT YET"} (score ${g.score}): ${g.summary}`];
  for (const c of g.checks) lines.push(`  [${c.ok ? "x" : " "}] ${c.name}: ${c.detail}`);
  for (const r of g.replays) {
    lines.push(`  replay of ${r.what}: ${r.verdict}${r.finding ? ` — ${r.finding.effect} at ${r.finding.seq}: ${r.finding.message}` : ""}`);
    for (const x of [...r.reordered, ...r.notes]) lines.push(`    ${x}`);
    for (const w of r.warnings) lines.push(`    warning ${w}`);
  }
  return lines.join("\n");
}

/** A grade as students see it: without what the key expected. */
function studentGrade(g: Grade): Omit<Grade, "expected"> {
  const { expected: _expected, ...rest } = g;
  return rest;
}

async function findLocalOrCourse(ctx: ExerciseCommandContext, id: string, token: string | undefined): Promise<{ handle: ExerciseHandle; s: Session | null }> {
  if (!isUuid(id)) {
    const l = (await library(ctx.libraryDir ?? EXERCISES_DIR)).get(id);
    if (!l) throw new DomainError("NOT_FOUND", `exercise: no exercise ${JSON.stringify(id)} in the library (racelab exercise list)`);
    return { handle: libraryHandle(l), s: null };
  }
  const s = await session(ctx, token);
  try {
    return { handle: await s.classroom.requireExercise(s.viewer, id, "exercise"), s };
  } catch (err) {
    await s.close();
    throw err;
  }
}

/** The flags each subcommand takes. */
const APPLIES = {
  list: ["course", "json", "token"],
  show: ["json", "hint", "token"],
  try: ["json", "answer", "submit", "token"],
  generate: ["from-explore", "from-trace", "course", "kind", "rules", "count", "difficulty", "json", "token"],
  publish: ["json", "token"],
  archive: ["json", "token"],
  reveal: ["json", "token"],
  delete: ["json", "token"],
} as const satisfies Record<string, readonly string[]>;

type Subcommand = keyof typeof APPLIES;

export interface ExerciseArgs {
  /** Null: print the help. */
  readonly sub: Subcommand | null;
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  /** The exercise id (all but list). */
  readonly id: string | null;
  /** show --hint N. */
  readonly hint: number | null;
}

/** Checks the subcommand, its flags and its operands; opens nothing. */
export function parse(argv: readonly string[]): ExerciseArgs {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "-h" || sub === "--help" || sub === "help") return { sub: null, values: {}, id: null, hint: null };
  if (!Object.hasOwn(APPLIES, sub)) {
    throw new DomainError("BAD_USER_INPUT", `exercise: unknown subcommand ${JSON.stringify(sub)} (${Object.keys(APPLIES).join(", ")})`);
  }
  const allowed: readonly string[] = APPLIES[sub as Subcommand];
  const { values, positionals } = parseCommandArgs(`exercise ${sub}`, rest, OPTIONS, [0, 1]);
  for (const k of Object.keys(values)) {
    if (values[k] !== undefined && !allowed.includes(k)) throw new DomainError("BAD_USER_INPUT", `exercise ${sub}: --${k} does not apply (usage: ${usage.split("\n").find((l) => l.includes(` ${sub} `) || l.includes(`|${sub} `) || l.includes(` ${sub}|`))?.trim()})`);
  }
  const id = positionals[0] ?? null;
  if (sub === "list" || sub === "generate") {
    if (id !== null) throw new DomainError("BAD_USER_INPUT", `exercise ${sub}: unexpected argument ${JSON.stringify(id)}`);
    if (sub === "generate") parseGenerate(values);
    return { sub, values, id, hint: null };
  }
  if (id === null) {
    const why = sub === "show" ? "give one exercise id (racelab exercise list)" : sub === "try" ? "give one exercise id" : "give one exercise id (racelab exercise list --course C)";
    throw new DomainError("BAD_USER_INPUT", `exercise ${sub}: ${why}`);
  }
  if (sub === "try" && typeof values.answer !== "string") throw new DomainError("BAD_USER_INPUT", "exercise try: --answer is required");
  const hint = values.hint === undefined ? null : Number(values.hint);
  if (hint !== null && (!Number.isInteger(hint) || hint < 1)) throw new DomainError("BAD_USER_INPUT", `--hint: expected a hint number >= 1, got ${JSON.stringify(values.hint)}`);
  return { sub: sub as Subcommand, values, id, hint };
}

export async function run(argv: readonly string[], ctx: ExerciseCommandContext): Promise<number> {
  const { sub, values, id, hint: n } = parse(argv);
  const env = ctx.env ?? process.env;
  if (sub === null) {
    ctx.stdout.write(help);
    return 0;
  }
  const token = (values.token as string | undefined) ?? (env.RACELAB_TOKEN || undefined);
  const json = values.json === true;
  switch (sub) {
    case "list": {
      let exercises: LoadedExercise[];
      if (values.course === undefined) {
        exercises = [...(await library(ctx.libraryDir ?? EXERCISES_DIR)).exercises];
      } else {
        const s = await session(ctx, token);
        try {
          exercises = (await s.classroom.exercises(s.viewer, values.course as string)).map((h) => h.loaded);
        } finally {
          await s.close();
        }
      }
      const views = exercises.map(publicView);
      if (json) {
        out(ctx, JSON.stringify(views.map((v) => ({ id: v.id, course: v.courseId, kind: v.kind, title: v.title, race: v.race, hints: v.hintCount, events: v.events }))));
      } else {
        for (const v of views) out(ctx, `${v.id.padEnd(38)} ${v.kind.padEnd(18)} ${(v.race ?? "").padEnd(31)} ${printable(v.title)}`);
      }
      return 0;
    }
    case "show": {
      const { handle, s } = await findLocalOrCourse(ctx, id!, token);
      try {
        const v = publicView(handle.loaded);
        let hint: string | null = null;
        if (n !== null) {
          const hints = handle.loaded.def.hints;
          if (n > hints.length) throw new DomainError("BAD_USER_INPUT", `--hint: this exercise has hints 1..${hints.length}`);
          // Course exercises: through the service (records the reveal, one at a time); the library is free to read.
          hint = s ? (await s.classroom.hint(s.viewer, id!, n)).text : hints[n - 1]!;
        }
        if (json) out(ctx, JSON.stringify({ ...v, ...(hint !== null ? { hint: { n, text: hint } } : {}) }));
        else out(ctx, `${renderView(v)}${hint !== null ? `\n\nhint ${n}/${v.hintCount}: ${hint}` : ""}`);
        return 0;
      } finally {
        await s?.close();
      }
    }
    case "try": {
      const answerText = values.answer as string;
      if (values.submit) {
        const s = await session(ctx, token);
        try {
          const h = await s.classroom.requireExercise(s.viewer, id!, "exercise");
          const answer = parseAnswerText(h.loaded.def.kind, answerText);
          const { kind: _k, ...fields } = answer as unknown as Record<string, unknown>;
          const sub = await s.classroom.submit(s.viewer, id!, fields);
          if (json) out(ctx, JSON.stringify({ submission: sub.id, attempt: sub.attempt, ...studentGrade(sub.grade) }));
          else out(ctx, `${renderGrade(sub.grade)}\nrecorded as attempt ${sub.attempt} (${sub.id})`);
          return sub.grade.correct ? 0 : 1;
        } finally {
          await s.close();
        }
      }
      const { handle, s } = await findLocalOrCourse(ctx, id!, token);
      try {
        const grade = gradeAnswer(handle.loaded, parseAnswerText(handle.loaded.def.kind, answerText));
        if (json) out(ctx, JSON.stringify(studentGrade(grade)));
        else out(ctx, renderGrade(grade));
        return grade.correct ? 0 : 1;
      } finally {
        await s?.close();
      }
    }
    case "generate": {
      const s = await session(ctx, token);
      try {
        const made = await runGenerate(parseGenerate(values), s.viewer, s.classroom, s.store);
        const rows = made.exercises.map((h) => ({ id: h.loaded.ref, kind: h.loaded.def.kind, title: h.loaded.def.title, race: h.loaded.def.race }));
        if (json) out(ctx, JSON.stringify({ exercises: rows }));
        else {
          for (const r of rows) out(ctx, `${r.id}  ${r.kind.padEnd(18)} ${r.race.padEnd(31)} ${printable(r.title)}`);
          out(ctx, `${rows.length} draft${rows.length === 1 ? "" : "s"} stored in course ${values.course as string}: read one with racelab exercise show <id>, publish it with racelab exercise publish <id>, drop it with racelab exercise delete <id>`);
        }
        for (const n of made.notes) ctx.stderr?.write(`note: ${n}\n`);
        return 0;
      } finally {
        await s.close();
      }
    }
    case "publish": {
      const s = await session(ctx, token);
      try {
        const h = await s.classroom.publishExercise(s.viewer, id!);
        out(ctx, json ? JSON.stringify({ id: h.loaded.ref, draft: h.draft }) : `published exercise ${h.loaded.ref} (${printable(h.loaded.def.title)})`);
        return 0;
      } finally {
        await s.close();
      }
    }
    case "archive":
    case "reveal":
    case "delete": {
      const s = await session(ctx, token);
      try {
        if (sub === "delete") {
          const deleted = await s.classroom.deleteExercise(s.viewer, id!);
          out(ctx, json ? JSON.stringify({ deleted }) : `deleted exercise ${deleted} with its submissions`);
        } else {
          const h = sub === "archive" ? await s.classroom.archiveExercise(s.viewer, id!) : await s.classroom.revealExercise(s.viewer, id!);
          out(ctx, json ? JSON.stringify({ id: h.loaded.ref, archived: h.archived, revealed: h.revealed || h.archived }) : `${sub === "archive" ? "archived" : "revealed"} exercise ${h.loaded.ref} (${printable(h.loaded.def.title)})`);
        }
        return 0;
      } finally {
        await s.close();
      }
    }
    default:
      throw new UnreachableCaseError(sub);
  }
}

export const runExercise = run;
