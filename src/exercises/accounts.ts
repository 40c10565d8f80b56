/**
 * Adding users (`racelab user add`): the course is created on first use, a
 * fresh bearer token is made, its hash stored, and the token returned to be
 * shown once. The token cannot be recovered later; lose it, add a new user.
 */
import { checkName } from "../names.ts";
import { DomainError } from "../errors.ts";
import type { CourseRow, PgClassroomStore, UserRow } from "./pg-classroom.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import { isUserRole, USER_ROLES, type UserRole } from "../auth/viewer.ts";

export interface AddedUser {
  readonly user: UserRow;
  readonly course: CourseRow;
  /** True when this call created the course. */
  readonly courseCreated: boolean;
  /** The bearer token, in clear: shown once, never stored. */
  readonly token: string;
}

/** Default lifetime of a token (a course term); `racelab user add --expires` or RACELAB_TOKEN_TTL change it. */
export const DEFAULT_TOKEN_TTL = "120d";

/** `30d`, `12h`, `90m` → milliseconds; `never` → null. */
export function parseTtl(field: string, text: string): number | null {
  if (text === "never") return null;
  const m = /^([1-9][0-9]{0,5})([dhm])$/.exec(text);
  if (!m) throw new DomainError("BAD_USER_INPUT", `${field}: expected a lifetime such as 120d, 12h, 90m or never, got ${JSON.stringify(text)}`);
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as "d" | "h" | "m"];
}

export async function addUser(
  store: PgClassroomStore,
  opts: { role: string; course: string; name?: string | null; expires?: string | null },
  now: Date = new Date(),
): Promise<AddedUser> {
  const ttl = parseTtl("--expires", opts.expires ?? DEFAULT_TOKEN_TTL);
  if (!isUserRole(opts.role)) throw new DomainError("BAD_USER_INPUT", `--role: expected ${USER_ROLES.join(" or ")}, got ${JSON.stringify(opts.role)}`);
  const role: UserRole = opts.role;
  const name = opts.name?.trim() ? checkName("--name", opts.name) : `${role}-${Math.random().toString(36).slice(2, 8)}`;
  let course = await store.findCourse(opts.course);
  let courseCreated = false;
  if (!course) {
    try {
      course = await store.createCourse({ name: opts.course });
      courseCreated = true;
    } catch (err) {
      // Another process created it meanwhile.
      if (!(err instanceof DomainError && err.code === "CONFLICT")) throw err;
      course = await store.findCourse(opts.course);
      if (!course) throw err;
    }
  }
  const token = newToken();
  const expiresAt = ttl === null ? null : new Date(now.getTime() + ttl);
  const user = await store.addUser({ name, role, courseId: course.id, tokenHash: hashToken(token), expiresAt });
  return { user, course, courseCreated, token };
}
