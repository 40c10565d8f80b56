/**
 * Course boundaries of the trace store (issue 11), pure:
 *
 *   read    every trace, except one behind an open exercise (not revealed,
 *           not archived): only its course's instructors read it, until the
 *           exercise is revealed. A fork shares its base's events, so an
 *           exercise on a trace hides the forks made of it too.
 *   write   (append, fork from, delete) a course's trace: its instructors; an
 *           instructor's own trace outside a course: that instructor; a
 *           trace made on the machine itself (CLI, seeds): any instructor.
 *           Who is an instructor at all is `policy.ts`' requireTraceWriter.
 *
 * Library exercises over the public seed scenarios hide nothing: their
 * scenarios are files anyone can read.
 */
import type { TraceOwner } from "../events/store.ts";
import { isInstructorOf, type CourseRef } from "./policy.ts";
import type { Viewer } from "./viewer.ts";

/** An open exercise whose trace (or the base of whose trace) it is. */
export interface HidingExercise {
  readonly exerciseId: string;
  readonly slug: string;
  readonly course: CourseRef & { readonly name: string };
}

/** Why `v` may not read a trace that `hiding` exercises use, or null when it may. */
export function readRefusal(v: Viewer, hiding: readonly HidingExercise[]): string | null {
  const e = hiding.find((h) => !isInstructorOf(v, h.course));
  if (!e) return null;
  return `this trace is hidden while exercise ${JSON.stringify(e.slug)} of course ${JSON.stringify(e.course.name)} is open, until its instructor reveals it`;
}

/** Why `v` (an instructor, or anyone on a database without users) may not write a trace of `owner`, or null. */
export function writeRefusal(v: Viewer, owner: TraceOwner, course: (CourseRef & { readonly name: string }) | null): string | null {
  if (owner.courseId !== null) {
    if (course && isInstructorOf(v, course)) return null;
    return `this trace belongs to course ${JSON.stringify(course?.name ?? owner.courseId)}: only its instructors write, fork or delete it`;
  }
  if (owner.userId !== null && !(v.kind === "user" && v.id === owner.userId)) return "this trace belongs to the instructor who made it";
  return null;
}

/** The owner of a trace `v` creates: an instructor's course; nobody's otherwise (a database without users). */
export function ownerOfNew(v: Viewer): TraceOwner {
  return v.kind === "user" && v.role === "instructor" ? { courseId: v.courseId, userId: v.id } : { courseId: null, userId: null };
}
