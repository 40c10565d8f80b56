/**
 * `guardResolvers`: wrapping a resolver map written without roles makes each
 * field require a user or an instructor before it runs.
 */
import { guardResolvers } from "../../src/auth/guard.ts";
import { ANONYMOUS, type Viewer } from "../../src/auth/viewer.ts";
import type { DomainError } from "../../src/errors.ts";

const student: Viewer = { kind: "user", id: "u1", name: "S", role: "student", courseId: "c1", courseName: "c" };
const instructor: Viewer = { ...student, id: "u2", role: "instructor" };

test("instructor-only fields refuse anonymous users and students before the resolver runs", async () => {
  const calls: string[] = [];
  const map = guardResolvers(
    {
      deleteTrace: (_p: unknown, a: { id: string }) => {
        calls.push(a.id);
        return a.id;
      },
      replay: { subscribe: () => (calls.push("sub"), "iterator") },
    },
    "instructor",
    "Mutation",
  );
  const del = map.deleteTrace as unknown as (...a: unknown[]) => unknown;
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return (err as DomainError).code;
    }
    return "ran";
  };
  expect(codeOf(() => del(null, { id: "t" }, { viewer: ANONYMOUS }, null))).toBe("UNAUTHENTICATED");
  expect(codeOf(() => del(null, { id: "t" }, { viewer: student }, null))).toBe("FORBIDDEN");
  expect(codeOf(() => (map.replay.subscribe as (...a: unknown[]) => unknown)(null, {}, { viewer: student }, null))).toBe("FORBIDDEN");
  expect(calls).toEqual([]);
  expect(del(null, { id: "t" }, { viewer: instructor }, null)).toBe("t");
  expect((map.replay.subscribe as (...a: unknown[]) => unknown)(null, {}, { viewer: instructor }, null)).toBe("iterator");
  expect(calls).toEqual(["t", "sub"]);
});
