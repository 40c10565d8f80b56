/**
 * Which events of a trace to show (issue 14): filters by event type, CPU,
 * task and block group, and a search box's text. Pure: the store turns an
 * `EventQuery` into SQL (pg-query.ts); the page and the API share the words.
 *
 * Search text is split at spaces; every term must match (AND). A term is
 * - `0x…`: a block group address (the event's subject, `bytenr`);
 * - decimal digits: a pid, or a block group address written in decimal;
 * - a word: an event type (exactly, or a part of one: `relocate`), a traced
 *   function or tracepoint name the mapping table maps to an event type
 *   (`btrfs_reserve_extent` finds `bg_alloc`), or a part of a task's comm.
 */
import { EVENT_TYPES } from "./catalog.ts";
import type { EventType } from "./types.ts";

export type SearchTerm =
  | { readonly kind: "address"; readonly value: bigint }
  | { readonly kind: "number"; readonly value: bigint }
  | { readonly kind: "word"; readonly text: string; readonly types: readonly EventType[] };

export interface EventQuery {
  readonly types?: readonly EventType[] | null;
  readonly cpus?: readonly number[] | null;
  readonly pids?: readonly number[] | null;
  /** Block group addresses (the events' subject). */
  readonly blockGroups?: readonly bigint[] | null;
  readonly terms?: readonly SearchTerm[] | null;
  /** Only seqs in this range (inclusive). */
  readonly fromSeq?: number | null;
  readonly toSeq?: number | null;
}

/** True when the query keeps every event. */
export function matchesAll(q: EventQuery | null | undefined): boolean {
  if (!q) return true;
  return !q.types?.length && !q.cpus?.length && !q.pids?.length && !q.blockGroups?.length && !q.terms?.length && q.fromSeq == null && q.toSeq == null;
}

/**
 * The terms of a search text. `typesOfName` maps a traced function or
 * tracepoint name to the event types it makes (the mapping table's).
 */
export function parseSearch(text: string, typesOfName: (name: string) => readonly EventType[]): SearchTerm[] {
  const out: SearchTerm[] = [];
  for (const raw of text.trim().split(/\s+/)) {
    if (raw === "") continue;
    if (/^0x[0-9a-f]+$/i.test(raw)) out.push({ kind: "address", value: BigInt(raw) });
    else if (/^[0-9]+$/.test(raw)) out.push({ kind: "number", value: BigInt(raw) });
    else {
      const word = raw.toLowerCase();
      const types = new Set<EventType>(typesOfName(raw));
      for (const t of EVENT_TYPES) if (t.includes(word)) types.add(t);
      out.push({ kind: "word", text: raw, types: [...types] });
    }
  }
  return out;
}

export interface TaskSummary {
  readonly pid: number;
  readonly comm: string | null;
  readonly cpus: readonly number[];
  readonly events: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface TraceOverview {
  readonly events: number;
  /** ns of the first and last events with a timestamp; null when the log has none. */
  readonly firstTs: bigint | null;
  readonly lastTs: bigint | null;
  readonly tasks: readonly TaskSummary[];
  readonly cpus: readonly { readonly cpu: number | null; readonly events: number }[];
  readonly types: readonly { readonly name: string; readonly count: number }[];
  /** Block groups the events are about (their subject), by address. */
  readonly blockGroups: readonly { readonly bytenr: bigint; readonly events: number }[];
}

export type LaneKey = "task" | "cpu";

export interface WindowOptions {
  /** Skip this many matching events first (0-based position among them). */
  readonly offset?: number;
  /** Only events after this seq (forward) or, `backward`, before it. */
  readonly afterSeq?: number;
  readonly backward?: boolean;
  readonly limit: number;
}
