/**
 * Role guards for resolver maps that were written without roles (e.g. the
 * trace mutations of schema.graphql): wraps every field resolver of a map so
 * that it first requires a signed-in user, or an instructor, from
 * `ctx.viewer`. For the server wiring:
 *
 *   Mutation: guardResolvers(mutationResolvers, "instructor", "Mutation")
 */
import { requireInstructor, requireUser } from "./policy.ts";
import type { Viewer } from "./viewer.ts";

type AnyResolver = (parent: unknown, args: unknown, ctx: { viewer: Viewer }, info: unknown) => unknown;

export function guardResolvers<M extends object>(map: M, need: "user" | "instructor", typeName: string): M {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(map)) {
    const what = `${typeName}.${field}`;
    const check = (ctx: { viewer: Viewer }) => (need === "instructor" ? requireInstructor(ctx.viewer, what) : requireUser(ctx.viewer, what));
    if (typeof value === "function") {
      const f = value as AnyResolver;
      out[field] = (p: unknown, a: unknown, ctx: { viewer: Viewer }, i: unknown) => {
        check(ctx);
        return f(p, a, ctx, i);
      };
    } else if (value && typeof value === "object" && "subscribe" in value) {
      // A subscription field: the check runs when the subscription starts.
      const s = value as { subscribe: AnyResolver; resolve?: AnyResolver };
      out[field] = {
        ...s,
        subscribe: (p: unknown, a: unknown, ctx: { viewer: Viewer }, i: unknown) => {
          check(ctx);
          return s.subscribe(p, a, ctx, i);
        },
      };
    } else {
      out[field] = value;
    }
  }
  return out as M;
}
