/**
 * `racelab user add|list`: classroom accounts. `add` prints the new bearer
 * token once — only its sha256 is stored, so it cannot be shown again — and
 * creates the course on first use.
 */
import type { Writable } from "node:stream";
import { DomainError } from "../../errors.ts";
import type { Database } from "../../db/connection.ts";
import type { EventStore } from "../../events/store.ts";
import { openStore } from "../../events/pg-store.ts";
import { addUser } from "../../auth/users.ts";
import { PgClassroomStore } from "../../exercises/pg-classroom.ts";
import { parseCommandArgs } from "../command.ts";
import { printable } from "../../names.ts";

export interface UserCommandContext {
  readonly stdout: Writable;
  readonly stderr?: Writable;
  /** The store of the other commands (its `db` is used); opened on demand when absent. */
  readonly store?: EventStore & { readonly db?: Database };
}

export const name = "user";
export const summary = "classroom accounts: add an instructor or student (prints a bearer token once), list them";
export const usage = `racelab user add --role instructor|student --course C [--name N] [--json]
       racelab user list [--course C] [--json]`;
export const help = `${usage}

add    creates a user of course C (the course is created if it does not exist) and
       prints its bearer token ONCE: only the token's sha256 is stored. Give the
       token to its owner; clients send it as "Authorization: Bearer <token>"
       (the CLI reads --token or RACELAB_TOKEN).
list   users (never their tokens), optionally of one course.

--json  add: {"user","name","role","course","courseCreated","token"}; list: [{"id","name","role","course"}]
`;

export async function run(argv: readonly string[], ctx: UserCommandContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "-h" || sub === "--help" || sub === "help") {
    ctx.stdout.write(help);
    return 0;
  }
  const { values } = parseCommandArgs(`user ${sub}`, rest, {
    role: { type: "string", value: "R", description: "add: instructor or student" },
    course: { type: "string", value: "C", description: "the course (add: created when missing)" },
    name: { type: "string", value: "N", description: "add: the user's name" },
    json: { type: "boolean", description: "machine-readable output" },
  });
  if (sub !== "add" && sub !== "list") throw new DomainError("BAD_USER_INPUT", `user: unknown subcommand ${JSON.stringify(sub)} (add, list)`);
  if (sub === "add") {
    if (typeof values.role !== "string") throw new DomainError("BAD_USER_INPUT", "user add: --role instructor|student is required");
    if (typeof values.course !== "string") throw new DomainError("BAD_USER_INPUT", "user add: --course C is required");
  } else if (values.role !== undefined || values.name !== undefined) {
    throw new DomainError("BAD_USER_INPUT", "user list: only --course and --json apply");
  }
  const owned = ctx.store?.db ? null : await openStore();
  const classroom = new PgClassroomStore((owned ?? ctx.store)!.db!);
  try {
    if (sub === "add") {
      const r = await addUser(classroom, { role: values.role as string, course: values.course as string, name: (values.name as string | undefined) ?? null });
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify({ user: r.user.id, name: r.user.name, role: r.user.role, course: r.course.name, courseCreated: r.courseCreated, token: r.token })}\n`);
      } else {
        ctx.stdout.write(
          `${r.courseCreated ? `created course ${printable(r.course.name)}\n` : ""}added ${r.user.role} ${printable(r.user.name)} (${r.user.id}) to course ${printable(r.course.name)}\n` +
            `token (shown once, only its hash is stored):\n${r.token}\n`,
        );
      }
      return 0;
    }
    let courseId: string | undefined;
    if (typeof values.course === "string") {
      const c = await classroom.findCourse(values.course);
      if (!c) throw new DomainError("NOT_FOUND", `--course: no course ${JSON.stringify(values.course)}`);
      courseId = c.id;
    }
    const users = await classroom.listUsers(courseId);
    const courses = new Map((await classroom.listCourses()).map((c) => [c.id, c.name]));
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(users.map((u) => ({ id: u.id, name: u.name, role: u.role, course: courses.get(u.courseId) ?? u.courseId })))}\n`);
    } else {
      for (const u of users) ctx.stdout.write(`${u.id}  ${u.role.padEnd(10)} ${printable(courses.get(u.courseId) ?? u.courseId).padEnd(20)} ${printable(u.name)}\n`);
    }
    return 0;
  } finally {
    await owned?.close();
  }
}

export const runUser = run;
