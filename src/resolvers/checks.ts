/**
 * `Query.checks`: every trace under every rule set in one request, and the
 * trace of a CheckResult. Trace by trace, one job each (src/jobs, kind
 * `checks`: a replay holds its trace's events in memory, so not all at once);
 * a trace's rule sets are checked together, reading its events once, and
 * stored verdicts answer at once (src/replay-service.ts). Cost: one check per
 * pair (limits/cost.ts).
 */
import { DomainError } from "../errors.ts";
import type { TraceInfo } from "../events/store.ts";
import type { CheckResultResolvers, QueryResolvers } from "./generated.ts";
import type { CheckModel } from "./models.ts";
import { requireTrace, rulesArg } from "./shared.ts";

export const checksResolver: NonNullable<QueryResolvers["checks"]> = async (_root, args, ctx) => {
  const traces: TraceInfo[] = [];
  for (const [i, t] of args.traces.entries()) traces.push(await requireTrace(ctx, t, `traces[${i}]`));
  // Each string is one rule set (fix ids joined by commas), checked with the index that names it.
  const ruleSets = (args.rules && args.rules.length > 0 ? args.rules : ["unpatched"]).map((r, j) => rulesArg([r], `rules[${j}]`));
  const results: CheckModel[] = [];
  for (const trace of traces) {
    for (const report of await ctx.replay.checks(trace.id, ruleSets)) results.push({ ...report, traceId: trace.id });
  }
  return results;
};

export const traceOfCheck: NonNullable<CheckResultResolvers["trace"]> = async (r, _args, ctx) => {
  const trace = await ctx.loaders.trace.load(r.traceId);
  if (!trace) throw new DomainError("NOT_FOUND", `trace ${r.traceId} was deleted after it was checked`);
  return trace;
};
