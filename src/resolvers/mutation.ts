/**
 * Mutation resolvers. Every write is all or nothing: events are validated
 * (catalog `decodeEvent`) before the store is called, an append checks the
 * expected version in the same transaction as the insert, a fork is one row (it shares its prefix).
 */
import { DomainError } from "../errors.ts";
import { decodeEvent, EventValidationError } from "../events/catalog.ts";
import type { NewTrace } from "../events/store.ts";
import type { RaceEvent } from "../events/types.ts";
import type { EventInput, MutationResolvers } from "./generated.ts";
import { FieldError } from "./errors.ts";
import { forgetTrace, requireTrace, seqArg } from "./shared.ts";

/** Validates every event first: the error names `events[i].<field>`. */
export function decodeInputs(events: readonly EventInput[]): RaceEvent[] {
  return events.map((input, i) => {
    // GraphQL gives input objects without absent keys; decodeEvent refuses unknown ones.
    const wire: Record<string, unknown> = { type: input.type, data: input.data ?? {}, origin: { ...input.origin } };
    if (input.chain != null) wire.chain = { ...input.chain };
    try {
      return decodeEvent(wire);
    } catch (err) {
      if (err instanceof EventValidationError) throw new FieldError(`events[${i}].${err.field}`, err.problem, { cause: err });
      throw err;
    }
  });
}

export const mutationResolvers: MutationResolvers = {
  importTrace: async (_root, { name, text, format, skipInvalid }, ctx) => {
    await ctx.traceAccess.authorizeWrite("Mutation.importTrace", null);
    if (name != null && name.trim() === "") throw new FieldError("name", "must not be empty");
    const report = await ctx.importer.importText(text, { name, format, skipInvalid: skipInvalid ?? false, owner: ctx.traceAccess.newOwner() });
    ctx.loaders.trace.prime(report.trace.id, report.trace);
    return report;
  },

  appendEvents: async (_root, args, ctx) => {
    await ctx.traceAccess.authorizeWrite("Mutation.appendEvents", null);
    const trace = await requireTrace(ctx, args.trace);
    await ctx.traceAccess.authorizeWrite("Mutation.appendEvents", trace);
    if (args.expectedVersion < 0) throw new FieldError("expectedVersion", `${args.expectedVersion} is negative`);
    if (args.events.length === 0) throw new FieldError("events", "give at least one event");
    const events = decodeInputs(args.events);
    let version: number;
    try {
      version = await ctx.store.append(trace.id, args.expectedVersion, events);
    } catch (err) {
      if (err instanceof DomainError && err.code === "CONFLICT") {
        throw new FieldError("expectedVersion", `${err.message}; read the trace's version and retry`, { code: "CONFLICT", cause: err });
      }
      throw err;
    }
    forgetTrace(ctx, trace);
    return { traceId: trace.id, version, appended: events.length };
  },

  forkTrace: async (_root, args, ctx) => {
    await ctx.traceAccess.authorizeWrite("Mutation.forkTrace", null);
    const origin = await requireTrace(ctx, args.trace);
    await ctx.traceAccess.authorizeWrite("Mutation.forkTrace", origin);
    const atSeq = seqArg("atSeq", args.atSeq, origin);
    if (args.name.trim() === "") throw new FieldError("name", "must not be empty");
    // The fork keeps the origin's file and format but not its hash: re-importing that file finds the origin.
    const fork: NewTrace = {
      name: args.name,
      source: { file: origin.source.file, hash: null, format: origin.source.format },
      meta: { forkedFrom: { trace: origin.id, name: origin.name, atSeq } },
      owner: ctx.traceAccess.newOwner(),
    };
    const created = await ctx.store.forkTrace(origin.id, atSeq, fork);
    ctx.loaders.trace.prime(created.id, created);
    return created;
  },

  deleteTrace: async (_root, args, ctx) => {
    await ctx.traceAccess.authorizeWrite("Mutation.deleteTrace", null);
    const trace = await requireTrace(ctx, args.trace);
    await ctx.traceAccess.authorizeWrite("Mutation.deleteTrace", trace);
    if (!(await ctx.store.deleteTrace(trace.id))) {
      throw new FieldError("trace", `no trace ${JSON.stringify(args.trace)}`, { code: "NOT_FOUND" });
    }
    forgetTrace(ctx, trace);
    return trace.id;
  },
};
