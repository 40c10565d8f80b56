/**
 * `racelab user add|list|revoke`: classroom accounts. `add` prints the new
 * bearer token once — only its sha256 is stored, so it cannot be shown again —
 * and creates the course on first use. Tokens expire (`--expires`, default
 * RACELAB_TOKEN_TTL or 120d) and can be revoked; `list` shows their last use.
 */
import type { Writable } from "node:stream";
import { DomainError } from "../../errors.ts";
import type { Database } from "../../db/connection.ts";
import type { EventStore } from "../../events/store.ts";
import { addUser, DEFAULT_TOKEN_TTL } from "../../exercises/accounts.ts";
import { PgClassroomStore } from "../../exercises/pg-classroom.ts";
import { openCommandStore, parseCommandArgs } from "../command.ts";
import { printable } from "../../names.ts";

export interface UserCommandContext {
  readonly stdout: Writable;
  readonly env?: NodeJS.ProcessEnv;
  readonly stderr?: Writable;
  /** The store of the other commands (its `db` is used); opened on demand when absent. */
  readonly store?: EventStore & { readonly db?: Database };
}

export const name = "user";
export const summary = "classroom accounts: add an instructor or student (prints a bearer token once), list them, revoke a token";
export const usage = `racelab user add --role instructor|student --course C [--name N] [--expires 120d|12h|never] [--json]
       racelab user list [--course C] [--json]
       racelab user revoke <user id or name> [--json]`;
export const help = `${usage}

add     creates a user of course C (the course is created if it does not exist) and
        prints its bearer token ONCE: only the token's sha256 is stored. Give the
        token to its owner; clients send it as "Authorization: Bearer <token>"
        (the CLI reads --token or RACELAB_TOKEN). The token expires after --expires
        (default: RACELAB_TOKEN_TTL, else ${DEFAULT_TOKEN_TTL}; "never" for none).
list    users (never their tokens), optionally of one course: when each token
        expires, when it was last used, whether it was revoked.
revoke  the user's token is refused from now on (the user and its work stay).

--json  add: {"user","name","role","course","courseCreated","token","expiresAt"};
        list: [{"id","name","role","course","createdAt","expiresAt","lastUsedAt","revokedAt"}];
        revoke: {"user","name","revokedAt"}
`;

const when = (d: Date | null) => (d ? d.toISOString().replace("T", " ").slice(0, 16) : "-");

export interface UserArgs {
  /** Null: print the help. */
  readonly sub: "add" | "list" | "revoke" | null;
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  /** revoke: the user's id or name. */
  readonly target: string | null;
}

/** Checks the subcommand, its flags and its operand; opens nothing. */
export function parse(argv: readonly string[]): UserArgs {
  const [sub, ...restArgs] = argv;
  const target = sub === "revoke" && restArgs[0] !== undefined && !restArgs[0].startsWith("-") ? restArgs[0] : null;
  const rest = target === null ? restArgs : restArgs.slice(1);
  if (sub === undefined || sub === "-h" || sub === "--help" || sub === "help") return { sub: null, values: {}, target: null };
  const { values } = parseCommandArgs(`user ${sub}`, rest, {
    role: { type: "string", value: "R", description: "add: instructor or student" },
    course: { type: "string", value: "C", description: "the course (add: created when missing)" },
    name: { type: "string", value: "N", description: "add: the user's name" },
    expires: { type: "string", value: "T", description: "add: the token's lifetime (120d, 12h, 90m, never)" },
    json: { type: "boolean", description: "machine-readable output" },
  });
  if (sub !== "add" && sub !== "list" && sub !== "revoke") throw new DomainError("BAD_USER_INPUT", `user: unknown subcommand ${JSON.stringify(sub)} (add, list, revoke)`);
  if (sub === "add") {
    if (typeof values.role !== "string") throw new DomainError("BAD_USER_INPUT", "user add: --role instructor|student is required");
    if (typeof values.course !== "string") throw new DomainError("BAD_USER_INPUT", "user add: --course C is required");
  } else if (values.role !== undefined || values.name !== undefined || values.expires !== undefined) {
    throw new DomainError("BAD_USER_INPUT", `user ${sub}: ${sub === "list" ? "only --course and --json apply" : "only --json applies"}`);
  } else if (sub === "revoke" && (target === null || values.course !== undefined)) {
    throw new DomainError("BAD_USER_INPUT", "user revoke: give the user's id or name (racelab user list shows them), and only --json");
  }
  return { sub, values, target };
}

export async function run(argv: readonly string[], ctx: UserCommandContext): Promise<number> {
  const { sub, values, target } = parse(argv);
  if (sub === null) {
    ctx.stdout.write(help);
    return 0;
  }
  const owned = ctx.store?.db ? null : await openCommandStore();
  const classroom = new PgClassroomStore((owned ?? ctx.store)!.db!);
  try {
    if (sub === "add") {
      const r = await addUser(classroom, {
        role: values.role as string,
        course: values.course as string,
        name: (values.name as string | undefined) ?? null,
        expires: (values.expires as string | undefined) ?? (ctx.env?.RACELAB_TOKEN_TTL || null),
      });
      const expiresAt = r.user.expiresAt?.toISOString() ?? null;
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify({ user: r.user.id, name: r.user.name, role: r.user.role, course: r.course.name, courseCreated: r.courseCreated, token: r.token, expiresAt })}\n`);
      } else {
        ctx.stdout.write(
          `${r.courseCreated ? `created course ${printable(r.course.name)}\n` : ""}added ${r.user.role} ${printable(r.user.name)} (${r.user.id}) to course ${printable(r.course.name)}\n` +
            `token (shown once, only its hash is stored; ${expiresAt ? `expires ${when(r.user.expiresAt)} UTC` : "never expires"}):\n${r.token}\n`,
        );
      }
      return 0;
    }
    if (sub === "revoke") {
      const u = await classroom.revokeUser(target!);
      if (values.json) ctx.stdout.write(`${JSON.stringify({ user: u.id, name: u.name, revokedAt: u.revokedAt!.toISOString() })}\n`);
      else ctx.stdout.write(`revoked the token of ${u.role} ${printable(u.name)} (${u.id}) at ${when(u.revokedAt)} UTC\n`);
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
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    if (values.json) {
      const rows = users.map((u) => ({
        id: u.id,
        name: u.name,
        role: u.role,
        course: courses.get(u.courseId) ?? u.courseId,
        createdAt: iso(u.createdAt),
        expiresAt: iso(u.expiresAt),
        lastUsedAt: iso(u.lastUsedAt),
        revokedAt: iso(u.revokedAt),
      }));
      ctx.stdout.write(`${JSON.stringify(rows)}\n`);
    } else {
      ctx.stdout.write(`${"ID".padEnd(36)}  ${"ROLE".padEnd(10)} ${"COURSE".padEnd(20)} ${"EXPIRES (UTC)".padEnd(16)}  ${"LAST USED".padEnd(16)}  ${"REVOKED".padEnd(16)}  NAME\n`);
      for (const u of users) {
        const course = printable(courses.get(u.courseId) ?? u.courseId);
        ctx.stdout.write(`${u.id}  ${u.role.padEnd(10)} ${course.padEnd(20)} ${when(u.expiresAt).padEnd(16)}  ${when(u.lastUsedAt).padEnd(16)}  ${when(u.revokedAt).padEnd(16)}  ${printable(u.name)}\n`);
      }
    }
    return 0;
  } finally {
    await owned?.close();
  }
}

export const runUser = run;
