/**
 * The timeline's rows, fetched in windows (issue 14): the page never asks
 * for a whole trace. Pages of PAGE events (by offset among the events the
 * filter keeps) are fetched when rows come into view, a few at a time, and
 * kept while the trace and the filter stay the same; with a search, which of
 * a page's events match it is asked once the page is in.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { gql } from "../api.ts";
import type { EventFilter } from "../generated/graphql.ts";
import { COUNT, MATCHES, WINDOW } from "../queries.ts";
import type { TraceEvent } from "../types.ts";

export const PAGE = 200;
const IN_FLIGHT = 3;

interface PageState {
  events: readonly TraceEvent[] | null;
  matches: ReadonlySet<number> | null;
  failed: string | null;
}

export interface Windows {
  /** How many events the filter keeps (null until counted). */
  readonly total: number | null;
  /** How many of them the search matches (null: no search, or not counted yet). */
  readonly matchCount: number | null;
  /** The event at an offset, if its page is in. */
  event(offset: number): TraceEvent | undefined;
  /** Whether a shown event matches the search (false while unknown). */
  matches(seq: number): boolean;
  /** Asks for the pages of offsets from..to (inclusive). */
  want(from: number, to: number): void;
  /** The first page is in (the first rows can be drawn). */
  readonly started: boolean;
  readonly error: string | null;
  /** Changes whenever data arrives (for memoised views). */
  readonly version: number;
}

export function useWindows(trace: string | null, filter: EventFilter, search: string): Windows {
  const key = trace === null ? null : JSON.stringify([trace, filter, search]);
  const state = useRef<{ key: string | null; pages: Map<number, PageState>; queue: number[]; running: number; abort: AbortController }>({
    key: null,
    pages: new Map(),
    queue: [],
    running: 0,
    abort: new AbortController(),
  });
  const [version, setVersion] = useState(0);
  const [total, setTotal] = useState<{ key: string | null; n: number | null; matches: number | null; error: string | null }>({ key: null, n: null, matches: null, error: null });
  const bump = useCallback(() => setVersion((v) => v + 1), []);
  // The arguments as of this render, read by the fetches (their identity may change every render; `key` does not).
  const args = useRef({ trace, filter, search });
  args.current = { trace, filter, search };
  const searchFilter = (extra: Partial<EventFilter>): EventFilter => ({ ...args.current.filter, search: args.current.search || null, ...extra });

  const run = useCallback(() => {
    const s = state.current;
    while (s.running < IN_FLIGHT && s.queue.length > 0) {
      const page = s.queue.shift()!;
      const mine = s.key;
      const signal = s.abort.signal;
      s.running++;
      const { trace: t, filter: f, search: q } = args.current;
      (async () => {
        const data = await gql(WINDOW, { trace: t!, filter: f, offset: page * PAGE, first: PAGE }, signal);
        const events = data.trace?.events.nodes ?? [];
        let matches: Set<number> | null = null;
        if (q && events.length > 0) {
          const m = await gql(MATCHES, { trace: t!, filter: searchFilter({ fromSeq: events[0]!.seq, toSeq: events[events.length - 1]!.seq }), first: PAGE }, signal);
          matches = new Set((m.trace?.events.nodes ?? []).map((n) => n.seq));
        }
        return { events, matches };
      })().then(
        ({ events, matches }) => {
          if (state.current.key !== mine) return;
          state.current.pages.set(page, { events, matches, failed: null });
        },
        (err: unknown) => {
          if (state.current.key !== mine || (err as Error).name === "AbortError") return;
          state.current.pages.set(page, { events: null, matches: null, failed: (err as Error).message });
        },
      ).finally(() => {
        if (state.current.key !== mine) return;
        state.current.running--;
        bump();
        run();
      });
    }
    // Reads args.current: stable across renders.
  }, [bump]);

  // A new trace, filter or search: a fresh cache, counted again.
  useEffect(() => {
    const s = state.current;
    s.abort.abort();
    state.current = { key, pages: new Map(), queue: [], running: 0, abort: new AbortController() };
    setTotal({ key, n: null, matches: null, error: null });
    bump();
    if (trace === null) return undefined;
    const signal = state.current.abort.signal;
    // The first rows are asked at once, beside the counts: they are what the page shows first.
    state.current.pages.set(0, { events: null, matches: null, failed: null });
    state.current.queue.push(0);
    run();
    gql(COUNT, { trace, filter }, signal).then(
      (d) => setTotal((t) => (t.key === key ? { ...t, n: d.trace?.events.totalCount ?? 0 } : t)),
      (err: unknown) => {
        if ((err as Error).name !== "AbortError") setTotal((t) => (t.key === key ? { ...t, error: (err as Error).message } : t));
      },
    );
    if (search) {
      gql(COUNT, { trace, filter: searchFilter({}) }, signal).then(
        (d) => setTotal((t) => (t.key === key ? { ...t, matches: d.trace?.events.totalCount ?? 0 } : t)),
        (err: unknown) => {
          if ((err as Error).name !== "AbortError") setTotal((t) => (t.key === key ? { ...t, error: (err as Error).message } : t));
        },
      );
    }
    return () => state.current.abort.abort();
    // The key says when the arguments changed.
  }, [key]);

  const want = useCallback(
    (from: number, to: number) => {
      const s = state.current;
      if (s.key !== key || from > to) return;
      let added = false;
      for (let p = Math.floor(Math.max(0, from) / PAGE); p <= Math.floor(to / PAGE); p++) {
        if (s.pages.has(p) || s.queue.includes(p)) continue;
        s.pages.set(p, { events: null, matches: null, failed: null });
        s.queue.push(p);
        added = true;
      }
      if (added) run();
    },
    [key, run],
  );

  const pages = state.current.pages;
  const firstFailure = [...pages.values()].find((p) => p.failed !== null)?.failed ?? null;
  return {
    total: total.key === key ? total.n : null,
    matchCount: total.key === key && search ? total.matches : null,
    event: (offset) => pages.get(Math.floor(offset / PAGE))?.events?.[offset % PAGE],
    matches: (seq) => {
      for (const p of pages.values()) if (p.matches?.has(seq)) return true;
      return false;
    },
    want,
    started: pages.get(0)?.events != null,
    error: (total.key === key ? total.error : null) ?? firstFailure,
    version,
  };
}
