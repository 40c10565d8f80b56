/**
 * Argument handling shared by the resolvers: trace lookup (NOT_FOUND),
 * rule-set and range arguments, Relay cursors and page size caps. Each bad
 * argument is a FieldError naming it.
 */
import { DomainError } from "../errors.ts";
import type { TraceInfo } from "../events/store.ts";
import { resolveRules } from "../rules/index.ts";
import type { RequestContext } from "./context.ts";
import { FieldError } from "./errors.ts";

/** The trace named by an argument (id or name), or NOT_FOUND naming the argument. */
export async function requireTrace(ctx: RequestContext, idOrName: string, field = "trace"): Promise<TraceInfo> {
  const trace = await ctx.loaders.trace.load(idOrName);
  if (!trace) throw new FieldError(field, `no trace ${JSON.stringify(idOrName)}`, { code: "NOT_FOUND" });
  return trace;
}

/** After a write the cached trace (version) is stale. */
export function forgetTrace(ctx: RequestContext, trace: TraceInfo): void {
  ctx.loaders.trace.clear(trace.id).clear(trace.name);
}

export const DEFAULT_RULES: readonly string[] = ["unpatched"];

/** A rule set argument, checked here so the error names the argument (`field`). */
export function rulesArg(rules: readonly string[] | null | undefined, field = "rules"): readonly string[] {
  const spec = rules && rules.length > 0 ? rules : DEFAULT_RULES;
  try {
    resolveRules(spec);
  } catch (err) {
    if (err instanceof DomainError) throw new FieldError(field, err.message, { cause: err });
    throw err;
  }
  return spec;
}

/** A position of a trace: 0 (before the first event) .. version. */
export function seqArg(field: string, seq: number, trace: TraceInfo): number {
  if (seq < 0 || seq > trace.version) {
    throw new FieldError(field, `${seq} is outside 0..${trace.version} (trace ${trace.name} has ${trace.version} events)`);
  }
  return seq;
}

export function pageSize(ctx: RequestContext, first: number | null | undefined): number {
  const size = first ?? ctx.limits.defaultPageSize;
  if (size < 0 || size > ctx.limits.maxPageSize) {
    throw new FieldError("first", `${size} is outside 0..${ctx.limits.maxPageSize} (the page size cap)`);
  }
  return size;
}

// Cursors are opaque to clients: base64url of `<list>:<position>`.
export function encodeCursor(list: string, position: string | number): string {
  return Buffer.from(`${list}:${position}`, "utf8").toString("base64url");
}

export function decodeCursor(list: string, cursor: string, field = "after"): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!text.startsWith(`${list}:`)) throw new FieldError(field, `not a cursor of this list: ${JSON.stringify(cursor)}`);
  return text.slice(list.length + 1);
}

export function decodeSeqCursor(cursor: string | null | undefined): number {
  if (cursor == null) return 0;
  const seq = Number(decodeCursor("seq", cursor));
  if (!Number.isInteger(seq) || seq < 0) throw new FieldError("after", `not a cursor of this list: ${JSON.stringify(cursor)}`);
  return seq;
}

export interface Page<T> {
  readonly edges: { cursor: string; node: T }[];
  readonly nodes: T[];
  readonly pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export function page<T>(nodes: T[], cursorOf: (node: T) => string, hasNextPage: boolean, hasPreviousPage: boolean): Page<T> {
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
