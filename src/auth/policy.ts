/**
 * Who may see and do what in the classroom. Pure predicates over the viewer
 * and the thing asked for; resolvers and the service call them, and the
 * `require*` forms throw the error the API reports.
 *
 *   anonymous   the library's exercises (statement, trace, hints count); nothing else
 *   student     its course and its exercises (library included), hints,
 *               its own submissions and their feedback
 *   instructor  its courses (the one it was added to and those it created):
 *               exercises with their keys, every submission, the gradebook;
 *               creates courses and exercises; sees the library's keys
 *
 * Writes to the trace store (import, append, fork, delete, upload) change what
 * every course sees: instructors only — except on a database without users,
 * which is one person's own (a kernel engineer's laptop), where anyone may.
 */
import { DomainError } from "../errors.ts";
import type { Viewer } from "./viewer.ts";

export interface CourseRef {
  readonly id: string;
  readonly createdBy: string | null;
}

export type UserViewer = Extract<Viewer, { kind: "user" }>;

export function isUser(v: Viewer): v is UserViewer {
  return v.kind === "user";
}

export function isInstructor(v: Viewer): v is UserViewer & { role: "instructor" } {
  return v.kind === "user" && v.role === "instructor";
}

export function isMember(v: Viewer, course: CourseRef): boolean {
  return v.kind === "user" && (v.courseId === course.id || (v.role === "instructor" && course.createdBy === v.id));
}

export function isInstructorOf(v: Viewer, course: CourseRef): boolean {
  return isInstructor(v) && isMember(v, course);
}

/** The key of a library exercise: any instructor; of a course exercise: its course's instructors. */
export function canSeeKey(v: Viewer, course: CourseRef | null): boolean {
  return course === null ? isInstructor(v) : isInstructorOf(v, course);
}

export function canSeeSubmission(v: Viewer, owner: string, course: CourseRef): boolean {
  return (v.kind === "user" && v.id === owner && v.courseId === course.id) || isInstructorOf(v, course);
}

export function requireUser(v: Viewer, what: string): UserViewer {
  if (v.kind !== "user") throw new DomainError("UNAUTHENTICATED", `${what}: sign in with a bearer token`);
  return v;
}

export function requireInstructor(v: Viewer, what: string): UserViewer {
  const u = requireUser(v, what);
  if (u.role !== "instructor") throw new DomainError("FORBIDDEN", `${what}: instructors only`);
  return u;
}

export function requireInstructorOf(v: Viewer, course: CourseRef, what: string): UserViewer {
  const u = requireInstructor(v, what);
  if (!isMember(u, course)) throw new DomainError("FORBIDDEN", `${what}: not an instructor of this course`);
  return u;
}

/** Throws unless `v` may write to the trace store (see the top of this file). */
export function requireTraceWriter(v: Viewer, databaseHasUsers: boolean, what: string): void {
  if (!databaseHasUsers || isInstructor(v)) return;
  const why = `${what}: on a server with users, only instructors write traces`;
  if (v.kind !== "user") throw new DomainError("UNAUTHENTICATED", `${why}; sign in with an instructor's bearer token`);
  throw new DomainError("FORBIDDEN", why);
}
