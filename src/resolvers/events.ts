/**
 * Events of a trace as a Relay connection, optionally of one type and/or one
 * actor. The store reads ranges by seq; a filtered page scans forward in
 * chunks from the cursor until it has a page (plus one, to know whether
 * another page follows) or reaches the end of the trace.
 */
import { EVENT_CATALOG, encodeEvent, isEventType } from "../events/catalog.ts";
import type { TraceInfo } from "../events/store.ts";
import type { StoredEvent } from "../events/types.ts";
import type { RequestContext } from "./context.ts";
import { FieldError } from "./errors.ts";
import { decodeSeqCursor, encodeCursor, page, pageSize, type Page } from "./shared.ts";

/** Events read per store call while scanning for a filtered page. */
const SCAN_CHUNK = 5_000;

export interface EventFilter {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly type?: string | null;
  readonly actor?: number | null;
}

export async function eventsPage(ctx: RequestContext, trace: TraceInfo, args: EventFilter): Promise<Page<StoredEvent>> {
  const size = pageSize(ctx, args.first);
  const after = decodeSeqCursor(args.after);
  const { type, actor } = args;
  if (type != null && !isEventType(type)) throw new FieldError("type", `unknown event type "${type}"`);
  const filtered = type != null || actor != null;
  const keep = (e: StoredEvent) => (type == null || e.type === type) && (actor == null || e.origin.pid === actor);

  const found: StoredEvent[] = [];
  let from = after + 1;
  // One more than a page tells whether another page follows.
  while (found.length <= size && from <= trace.version) {
    const to = Math.min(trace.version, from + (filtered ? Math.max(SCAN_CHUNK, size * 4) : size + 1 - found.length) - 1);
    for (const e of await ctx.store.read(trace.id, { from, to })) if (keep(e)) found.push(e);
    from = to + 1;
  }
  const hasNextPage = found.length > size;
  const nodes = found.slice(0, size);
  for (const e of nodes) ctx.loaders.event.prime({ traceId: trace.id, seq: e.seq }, e);
  return page(nodes, (e) => encodeCursor("seq", e.seq), hasNextPage, after > 0);
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
