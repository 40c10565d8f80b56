/**
 * Resolver of explore.graphql: `Query.explore`, a thin call into the
 * explorer (src/explore) with argument checks that name the argument.
 *
 * Merge: `typeDefs: [typeDefs, exploreTypeDefs]`, `resolvers: [resolvers,
 * exploreResolvers]` (needs the Verdict enum of schema.graphql and a context
 * with `store`).
 */
import { readFileSync } from "node:fs";
import { DomainError } from "../errors.ts";
import type { EventStore, TraceInfo } from "../events/store.ts";
import { type Program, programFromScenario } from "../explore/program.ts";
import { type ExploreReport, explore } from "../explore/report.ts";
import { programFromScenarioText, programFromTrace, seedFile } from "../explore/source.ts";
import { loadScenarioFile } from "../scenario/load.ts";
import { FieldError } from "./errors.ts";
import { rulesArg } from "./shared.ts";
import { verdict } from "./types.ts";

export const exploreTypeDefs = readFileSync(new URL("./explore.graphql", import.meta.url), "utf8");

/** Largest `maxStates` a client may ask for (the explorer runs in the request). */
export const MAX_STATES_CAP = 1_000_000;

/** What the resolver needs in the GraphQL context. */
export interface ExploreContext {
  readonly store: EventStore;
  readonly loaders?: { trace: { load(idOrName: string): Promise<TraceInfo | null> } };
}

interface ExploreArgs {
  readonly scenario?: string | null;
  readonly trace?: string | null;
  readonly rules: readonly string[];
  readonly maxSteps?: number | null;
  readonly maxStates?: number | null;
}

function positive(field: string, v: number | null | undefined, cap?: number): number | null {
  if (v === null || v === undefined) return null;
  if (!Number.isInteger(v) || v < 1) throw new FieldError(field, `expected a positive integer, got ${v}`);
  if (cap !== undefined && v > cap) throw new FieldError(field, `${v} is above the cap of ${cap}`);
  return v;
}

async function programOf(args: ExploreArgs, ctx: ExploreContext): Promise<Program> {
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
  const id = args.trace!;
  const t = ctx.loaders ? await ctx.loaders.trace.load(id) : await ctx.store.findTrace(id);
  if (!t) throw new FieldError("trace", `no trace ${JSON.stringify(id)}`, { code: "NOT_FOUND" });
  return programFromTrace(ctx.store, t);
}

/** The GraphQL shape of a report (ExploreResult). */
export function exploreResult(rep: ExploreReport) {
  const r = rep.result;
  const schedule = (s: { stepsJson: ExploreReport["bugs"][number]["stepsJson"] }) =>
    s.stepsJson.map((x) => ({ ...x, outcome: x.outcome ?? null }));
  return {
    source: rep.source,
    rules: rep.rules.key,
    schedules: r.schedules,
    states: r.states,
    transitions: r.transitions,
    naive: r.naive.toString(),
    complete: r.complete,
    limits: [...r.limits],
    maxSteps: r.maxSteps,
    maxStates: r.maxStates,
    outcomes: { ...r.outcomes },
    actors: rep.program.actors.map((a, i) => ({ name: a.name, pid: a.pid, comm: a.comm, events: rep.program.steps[i]!.length })),
    bugs: rep.bugs.map((b) => ({
      race: b.race,
      effect: b.effect,
      message: b.message,
      steps: b.steps,
      schedule: schedule(b),
      diagram: b.diagram,
      confirmed: { ...b.confirmed, verdict: verdict(b.confirmed.verdict) },
    })),
    undecidable: rep.undecidable && { count: rep.undecidable.count, why: rep.undecidable.why, steps: rep.undecidable.steps, schedule: schedule(rep.undecidable) },
    inconsistent: rep.inconsistent && { count: rep.inconsistent.count, why: rep.inconsistent.why, steps: rep.inconsistent.steps, schedule: schedule(rep.inconsistent) },
    statement: rep.statement,
    elapsedMs: Math.round(r.elapsedMs),
  };
}

export const exploreResolvers = {
  Query: {
    explore: async (_root: unknown, args: ExploreArgs, ctx: ExploreContext) => {
      const maxSteps = positive("maxSteps", args.maxSteps);
      const maxStates = positive("maxStates", args.maxStates, MAX_STATES_CAP);
      const rules = rulesArg(args.rules);
      const program = await programOf(args, ctx);
      return exploreResult(explore(program, rules, { maxSteps, maxStates }));
    },
  },
};
