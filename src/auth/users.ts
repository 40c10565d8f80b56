/**
 * Adding users (`racelab user add`): the course is created on first use, a
 * fresh bearer token is made, its hash stored, and the token returned to be
 * shown once. The token cannot be recovered later; lose it, add a new user.
 */
import { checkName } from "../names.ts";
import { DomainError } from "../errors.ts";
import type { CourseRow, PgClassroomStore, UserRow } from "../exercises/pg-classroom.ts";
import { hashToken, newToken } from "./tokens.ts";
import { isUserRole, USER_ROLES, type UserRole } from "./viewer.ts";

export interface AddedUser {
  readonly user: UserRow;
  readonly course: CourseRow;
  /** True when this call created the course. */
  readonly courseCreated: boolean;
  /** The bearer token, in clear: shown once, never stored. */
  readonly token: string;
}

export async function addUser(store: PgClassroomStore, opts: { role: string; course: string; name?: string | null }): Promise<AddedUser> {
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
  const user = await store.addUser({ name, role, courseId: course.id, tokenHash: hashToken(token) });
  return { user, course, courseCreated, token };
}
