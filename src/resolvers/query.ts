/**
 * Query resolvers: thin calls into the store, the replay and the reference
 * data, with argument checks that name the argument at fault.
 */
import { z } from "zod";
import { EVENT_CATALOG, EVENT_TYPES } from "../events/catalog.ts";
import type { TraceInfo } from "../events/store.ts";
import { checksResolver } from "./checks.ts";
import type { QueryResolvers } from "./generated.ts";
import type { EventTypeModel } from "./models.ts";
import { decodeCursor, encodeCursor, page, pageSize, requireTrace, rulesArg, seqArg } from "./shared.ts";

/** Traces are listed oldest first; a cursor is (createdAt, id), so deleting a trace never breaks one. */
function traceCursorKey(t: TraceInfo): string {
  return `${t.createdAt.toISOString()}|${t.id}`;
}

export const queryResolvers: QueryResolvers = {
  traces: async (_root, { first, after }, ctx) => {
    const size = pageSize(ctx, first);
    const listed = await ctx.store.listTraces();
    const refused = await ctx.traceAccess.refusals(listed);
    const all = listed.filter((t) => !refused.has(t.id)).sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    for (const t of all) ctx.loaders.trace.prime(t.id, t);
    const afterKey = after == null ? null : decodeCursor("trace", after);
    const start = afterKey == null ? 0 : all.findIndex((t) => traceCursorKey(t) > afterKey);
    const from = start < 0 ? all.length : start;
    const nodes = all.slice(from, from + size);
    return { ...page(nodes, (t) => encodeCursor("trace", traceCursorKey(t)), from + size < all.length, from > 0), totalCount: all.length };
  },

  trace: (_root, { id }, ctx) => ctx.loaders.trace.load(id),

  stateAt: async (_root, args, ctx) => {
    const trace = await requireTrace(ctx, args.trace);
    const seq = seqArg("seq", args.seq, trace);
    return { ...(await ctx.replay.stateAt(trace.id, seq, rulesArg(args.rules))), traceId: trace.id };
  },

  diff: async (_root, args, ctx) => {
    const trace = await requireTrace(ctx, args.trace);
    return ctx.replay.diff(trace.id, seqArg("from", args.from, trace), seqArg("to", args.to, trace), rulesArg(args.rules));
  },

  check: async (_root, args, ctx) => {
    const trace = await requireTrace(ctx, args.trace);
    return { ...(await ctx.loaders.check.load({ traceId: trace.id, rules: rulesArg(args.rules) })), traceId: trace.id };
  },

  checks: checksResolver,

  fixes: (_root, _args, ctx) => [...ctx.reference.fixes()],
  races: async (_root, _args, ctx) => [...(await ctx.reference.races())],
  scenarios: async (_root, _args, ctx) => [...(await ctx.reference.scenarios())],
  eventTypes: () => EVENT_TYPE_MODELS,
};

const EVENT_TYPE_MODELS: EventTypeModel[] = EVENT_TYPES.map((type) => {
  const entry: { doc: string; observation?: true; schema: z.ZodType } = EVENT_CATALOG[type];
  return { type, doc: entry.doc, observation: entry.observation === true, payload: payloadSchema(entry.schema) };
});

/** The payload's JSON Schema as a client writes it (input side: addresses as strings or numbers). */
function payloadSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
}
