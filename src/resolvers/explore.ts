/**
 * Resolver of explore.graphql: `Query.explore`, a thin call into the
 * explorer (src/explore) with argument checks that name the argument.
 * Typed by generated.ts, which codegen makes from every src/resolvers/*.graphql.
 *
 * Merge: `typeDefs: [typeDefs, exploreTypeDefs]`, `resolvers: [resolvers,
 * exploreResolvers]` (needs the Verdict enum of schema.graphql and the API's
 * request context).
 */
import { readFileSync } from "node:fs";
import { DomainError } from "../errors.ts";
import { type Program, programFromScenario } from "../explore/program.ts";
import { type ExploreReport, explore, reportObject } from "../explore/report.ts";
import { programFromScenarioText, programFromTrace, seedFile } from "../explore/source.ts";
import { loadScenarioFile } from "../scenario/load.ts";
import type { RequestContext } from "./context.ts";
import { FieldError } from "./errors.ts";
import type { ExploreResult, QueryExploreArgs, Resolvers } from "./generated.ts";
import { requireTrace, rulesArg } from "./shared.ts";
import { verdict } from "./types.ts";

export const exploreTypeDefs = readFileSync(new URL("./explore.graphql", import.meta.url), "utf8");

/** Largest `maxStates` a client may ask for (the explorer runs in the request). */
export const MAX_STATES_CAP = 1_000_000;

function positive(field: string, v: number | null | undefined, cap?: number): number | null {
  if (v === null || v === undefined) return null;
  if (!Number.isInteger(v) || v < 1) throw new FieldError(field, `expected a positive integer, got ${v}`);
  if (cap !== undefined && v > cap) throw new FieldError(field, `${v} is above the cap of ${cap}`);
  return v;
}

async function programOf(args: Pick<QueryExploreArgs, "scenario" | "trace">, ctx: RequestContext): Promise<Program> {
  const hasScenario = args.scenario != null;
  const hasTrace = args.trace != null;
  if (hasScenario === hasTrace) throw new FieldError(hasScenario ? "trace" : "scenario", "give exactly one of scenario and trace");
  if (hasScenario) {
    const s = args.scenario!;
    try {
      if (s.includes("\n")) return programFromScenarioText(s, "scenario");
      const file = seedFile(s);
      if (!file) throw new FieldError("scenario", `no seed scenario ${JSON.stringify(s)} (a race id such as trim-vs-bg-removal, <race>.benign, or a scenario's text)`, { code: "NOT_FOUND" });
      return programFromScenario(loadScenarioFile(file), s);
    } catch (err) {
      if (err instanceof DomainError && !(err instanceof FieldError)) throw new FieldError("scenario", err.message, { cause: err, code: err.code });
      throw err;
    }
  }
  return programFromTrace(ctx.store, await requireTrace(ctx, args.trace!));
}

/**
 * The GraphQL shape of a report (ExploreResult): the `--json` object with the
 * naive count as a string (it outgrows Int), the cross-check verdict as the
 * enum, and each bug's diagram. A step without an outcome resolves to null.
 */
export function exploreResult(rep: ExploreReport): ExploreResult {
  const json = reportObject(rep);
  return {
    ...json,
    naive: json.naive.toString(),
    bugs: json.bugs.map((b, i) => ({ ...b, diagram: rep.bugs[i]!.diagram, confirmed: { ...b.confirmed, verdict: verdict(b.confirmed.verdict) } })),
  };
}

export const exploreResolvers: Resolvers = {
  Query: {
    explore: async (_root, args, ctx) => {
      const maxSteps = positive("maxSteps", args.maxSteps);
      const maxStates = positive("maxStates", args.maxStates, MAX_STATES_CAP);
      const rules = rulesArg(args.rules);
      const program = await programOf(args, ctx);
      return exploreResult(explore(program, rules, { maxSteps, maxStates }));
    },
  },
};
