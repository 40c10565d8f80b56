/**
 * Events of a trace as a Relay connection, and the timeline's other reads
 * (issue 14): filters and search (`EventFilter`), windows by position among
 * the kept events (`offset`), the next match of a search, positions in a
 * filtered timeline, the overview, density per lane and the event at a time.
 * The store does the work in SQL (src/events/pg-query.ts); these resolvers
 * check the arguments and shape the answers.
 */
import { EVENT_CATALOG, encodeEvent, isEventType, parseU64 } from "../events/catalog.ts";
import { type EventQuery, matchesAll, parseSearch } from "../events/query.ts";
import type { TraceInfo } from "../events/store.ts";
import type { EventType, StoredEvent } from "../events/types.ts";
import { parseTimestamp } from "../events/units.ts";
import { loadMapTable } from "../ftrace/map-load.ts";
import { eventTypesOfName } from "../ftrace/map-table.ts";
import type { RequestContext } from "./context.ts";
import { FieldError } from "./errors.ts";
import type { EventFilter as EventFilterInput } from "./generated.ts";
import type { EventModel, EventPageModel } from "./models.ts";
import { decodeSeqCursor, encodeCursor, page, pageSize } from "./shared.ts";

export interface EventArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly type?: string | null;
  readonly actor?: number | null;
  readonly filter?: EventFilterInput | null;
  readonly offset?: number | null;
}

const withTrace = (traceId: string) => (e: StoredEvent): EventModel => ({ ...e, traceId });

/** The store's query for a filter argument (and the older `type`/`actor` arguments); errors name the field. */
export function eventQuery(filter: EventFilterInput | null | undefined, extra: { type?: string | null; actor?: number | null } = {}, field = "filter"): EventQuery {
  const types: EventType[] = [];
  for (const [i, t] of [...(filter?.types ?? []), ...(extra.type != null ? [extra.type] : [])].entries()) {
    if (!isEventType(t)) throw new FieldError(i < (filter?.types?.length ?? 0) ? `${field}.types` : "type", `unknown event type "${t}"`);
    types.push(t);
  }
  const blockGroups = (filter?.blockGroups ?? []).map((b) => {
    const v = parseU64(b);
    if (v === null) throw new FieldError(`${field}.blockGroups`, `not a block group address: ${JSON.stringify(b)} (0x-hex or decimal)`);
    return v;
  });
  const table = loadMapTable();
  return {
    types,
    cpus: filter?.cpus ?? [],
    pids: [...(filter?.pids ?? []), ...(extra.actor != null ? [extra.actor] : [])],
    blockGroups,
    terms: filter?.search ? parseSearch(filter.search, (name) => eventTypesOfName(table, name)) : [],
    fromSeq: filter?.fromSeq ?? null,
    toSeq: filter?.toSeq ?? null,
  };
}

export async function eventsPage(ctx: RequestContext, trace: TraceInfo, args: EventArgs): Promise<EventPageModel> {
  const size = pageSize(ctx, args.first);
  if (args.offset != null && args.after != null) throw new FieldError("offset", "give offset or after, not both");
  if (args.offset != null && args.offset < 0) throw new FieldError("offset", `${args.offset} is negative`);
  const after = decodeSeqCursor(args.after);
  const q = eventQuery(args.filter, { type: args.type, actor: args.actor });
  const all = matchesAll(q);
  let found: StoredEvent[];
  if (all) {
    // Every event: position k is seq k+1, a range read.
    const from = (args.offset ?? after) + 1;
    found = from > trace.version ? [] : await ctx.store.read(trace.id, { from, to: Math.min(trace.version, from + size) });
  } else {
    // One more than a page tells whether another page follows.
    found = await ctx.store.findEvents(trace.id, q, args.offset != null ? { offset: args.offset, limit: size + 1 } : { afterSeq: after, limit: size + 1 });
  }
  const hasNextPage = found.length > size;
  const nodes = found.slice(0, size).map(withTrace(trace.id));
  for (const e of nodes) ctx.loaders.event.prime({ traceId: trace.id, seq: e.seq }, e);
  return {
    ...page(nodes, (e) => encodeCursor("seq", e.seq), hasNextPage, after > 0 || (args.offset ?? 0) > 0),
    count: () => (all ? Promise.resolve(trace.version) : ctx.store.countEvents(trace.id, q)),
  };
}

/** A timestamp argument: ns as a decimal string, or seconds.microseconds as ftrace prints it. */
export function timestampArg(field: string, v: string): bigint {
  const ns = /^[0-9]+$/.test(v.trim()) ? BigInt(v.trim()) : parseTimestamp(v);
  if (ns === null) throw new FieldError(field, `not a timestamp: ${JSON.stringify(v)} (ns, or seconds.microseconds like 13.716279)`);
  return ns;
}

/** Wire form of the payload (addresses as decimal strings). */
export function eventData(e: StoredEvent): unknown {
  return encodeEvent(e).data;
}

/** The subject block group of an event, when it has one and it is bound. */
export function eventBytenr(e: StoredEvent): string | null {
  const data = e.data as { bytenr?: bigint | null };
  return typeof data.bytenr === "bigint" ? data.bytenr.toString() : null;
}

export function eventDoc(e: StoredEvent): { doc: string; observation: boolean } {
  const entry: { doc: string; observation?: true } = EVENT_CATALOG[e.type];
  return { doc: entry.doc, observation: entry.observation === true };
}
