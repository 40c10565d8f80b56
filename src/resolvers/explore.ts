/**
 * Resolver of explore.graphql: `Query.explore`, a job of the request
 * (src/jobs: the explorer runs in a worker, under the viewer's budget) with
 * argument checks that name the argument.
 * Typed by generated.ts, which codegen makes from every src/resolvers/*.graphql.
 *
 * Merge: `typeDefs: [typeDefs, exploreTypeDefs]`, `resolvers: [resolvers,
 * exploreResolvers]` (needs the Verdict enum of schema.graphql and the API's
 * request context).
 */
import { readFileSync } from "node:fs";
import { DomainError } from "../errors.ts";
import type { ExploreWire } from "../explore/report.ts";
import { noSeedScenario, seedFile } from "../explore/source.ts";
import type { RequestContext } from "./context.ts";
import { FieldError } from "./errors.ts";
import type { ExploreResult, QueryExploreArgs, Resolvers } from "./generated.ts";
import { requireTrace, rulesArg } from "./shared.ts";
import { verdict } from "./types.ts";

export const exploreTypeDefs = readFileSync(new URL("./explore.graphql", import.meta.url), "utf8");

/** Largest `maxStates` anyone may ask for; each viewer's budget is below it (src/jobs/budgets.ts). */
export const MAX_STATES_CAP = 1_000_000;

function positive(field: string, v: number | null | undefined, cap?: number): number | null {
  if (v === null || v === undefined) return null;
  if (!Number.isInteger(v) || v < 1) throw new FieldError(field, `expected a positive integer, got ${v}`);
  if (cap !== undefined && v > cap) throw new FieldError(field, `${v} is above the cap of ${cap}`);
  return v;
}

/**
 * The GraphQL shape of a report (ExploreResult): the worker's plain report
 * (the `--json` object, the naive count as a string — it outgrows Int — and
 * each bug's diagram) with the cross-check verdict as the enum. A step
 * without an outcome resolves to null.
 */
export function exploreResult(wire: ExploreWire): ExploreResult {
  return { ...wire, bugs: wire.bugs.map((b) => ({ ...b, confirmed: { ...b.confirmed, verdict: verdict(b.confirmed.verdict) } })) };
}

/** What to explore: a seed scenario's name or a scenario's text, or a stored trace the viewer may read. */
async function sourceOf(args: Pick<QueryExploreArgs, "scenario" | "trace">, ctx: RequestContext): Promise<{ scenario: string | null; traceId: string | null }> {
  const hasScenario = args.scenario != null;
  if (hasScenario === (args.trace != null)) throw new FieldError(hasScenario ? "trace" : "scenario", "give exactly one of scenario and trace");
  if (!hasScenario) return { scenario: null, traceId: (await requireTrace(ctx, args.trace!)).id };
  const s = args.scenario!;
  if (!s.includes("\n") && !seedFile(s)) {
    throw new FieldError("scenario", noSeedScenario(s), { code: "NOT_FOUND" });
  }
  return { scenario: s, traceId: null };
}

export const exploreResolvers: Resolvers = {
  Query: {
    explore: async (_root, args, ctx) => {
      const maxSteps = positive("maxSteps", args.maxSteps);
      const maxStates = positive("maxStates", args.maxStates, MAX_STATES_CAP);
      const rules = rulesArg(args.rules);
      const source = await sourceOf(args, ctx);
      try {
        return exploreResult(await ctx.jobs.run("explore", { ...source, rules, maxSteps, maxStates }, ctx.job));
      } catch (err) {
        // A scenario's text that does not parse names the argument.
        if (err instanceof DomainError && err.code === "BAD_USER_INPUT" && source.scenario !== null) throw new FieldError("scenario", err.message, { cause: err });
        throw err;
      }
    },
  },
};
