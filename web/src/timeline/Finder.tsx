/**
 * Find things in a real-size log: a search box (an event type, a traced
 * function or tracepoint name, a block group address in hex or decimal, a
 * pid, a comm) with the number of matches and next/previous; filters by CPU,
 * task, event type and block group, which narrow the rows (their options come
 * from the trace's overview); a box to go to a sequence number or a timestamp.
 */
import { useEffect, useState, type FormEvent } from "react";
import type { Overview } from "../types.ts";

export interface FinderValues {
  readonly search: string;
  readonly cpu: string;
  readonly pid: string;
  readonly type: string;
  readonly bg: string;
}

export function Finder(props: {
  overview: Overview | null;
  values: FinderValues;
  matchCount: number | null;
  kept: number | null;
  total: number;
  onChange: (v: Partial<FinderValues>) => void;
  onFind: (dir: 1 | -1) => void;
}) {
  const { overview, values } = props;
  const [search, setSearch] = useState(values.search);
  useEffect(() => setSearch(values.search), [values.search]);

  const submitSearch = (e: FormEvent) => {
    e.preventDefault();
    if (search.trim() !== values.search) props.onChange({ search: search.trim() });
    else if (search.trim()) props.onFind(1);
  };
  const filtered = values.cpu || values.pid || values.type || values.bg;

  return (
    <div className="finder" role="search" aria-label="Search and filters">
      <form className="finder-search" onSubmit={submitSearch}>
        <input
          type="search"
          aria-label="Search events"
          placeholder="Search: type, function, 0x address, pid, comm"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="search"
        />
        <button type="submit">Find</button>
        {values.search ? (
          <>
            <button type="button" onClick={() => props.onFind(-1)} aria-label="Previous match" title="Previous match (N)">
              <span aria-hidden="true">▲</span>
            </button>
            <button type="button" onClick={() => props.onFind(1)} aria-label="Next match" title="Next match (n)">
              <span aria-hidden="true">▼</span>
            </button>
            <span className="finder-count" role="status" data-testid="match-count">
              {props.matchCount === null ? "counting…" : `${props.matchCount} match${props.matchCount === 1 ? "" : "es"}`}
            </span>
            <button type="button" className="link" onClick={() => props.onChange({ search: "" })}>
              clear
            </button>
          </>
        ) : null}
      </form>
      <div className="finder-filters">
        <select aria-label="Filter by CPU" value={values.cpu} onChange={(e) => props.onChange({ cpu: e.target.value })}>
          <option value="">all CPUs</option>
          {(overview?.cpus ?? []).filter((c) => c.cpu !== null).map((c) => (
            <option key={c.cpu} value={String(c.cpu)}>
              CPU {c.cpu} ({c.events})
            </option>
          ))}
        </select>
        <select aria-label="Filter by task" value={values.pid} onChange={(e) => props.onChange({ pid: e.target.value })}>
          <option value="">all tasks</option>
          {(overview?.tasks ?? []).map((t) => (
            <option key={t.pid} value={String(t.pid)}>
              {t.task} ({t.events})
            </option>
          ))}
        </select>
        <select aria-label="Filter by event type" value={values.type} onChange={(e) => props.onChange({ type: e.target.value })}>
          <option value="">all event types</option>
          {(overview?.types ?? []).map((t) => (
            <option key={t.name} value={t.name}>
              {t.name} ({t.count})
            </option>
          ))}
        </select>
        <select aria-label="Filter by block group" value={values.bg} onChange={(e) => props.onChange({ bg: e.target.value })}>
          <option value="">all block groups</option>
          {(overview?.blockGroups ?? []).map((b) => (
            <option key={b.bytenr} value={b.bytenr}>
              {b.hex} ({b.events})
            </option>
          ))}
        </select>
        {filtered ? (
          <span className="finder-count" role="status" data-testid="kept-count">
            {props.kept === null ? "counting…" : `${props.kept} of ${props.total} events`}
            <button type="button" className="link" onClick={() => props.onChange({ cpu: "", pid: "", type: "", bg: "" })}>
              {" "}
              show all
            </button>
          </span>
        ) : null}
      </div>
    </div>
  );
}

/** Go to a sequence number (`12`, `#12`) or a timestamp (`13.716279`, seconds as ftrace prints them). */
export function GoTo(props: { onGoTo: (text: string) => Promise<string | null> }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(await props.onGoTo(text));
  };
  return (
    <form className="finder-goto" onSubmit={(e) => void submit(e)}>
      <input
        aria-label="Go to sequence or time"
        placeholder="#seq or 13.716279"
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-invalid={error !== null}
        aria-describedby={error ? "goto-error" : undefined}
        data-testid="goto"
      />
      <button type="submit">Go</button>
      {error ? (
        <span id="goto-error" role="alert" className="finder-error">
          {error}
        </span>
      ) : null}
    </form>
  );
}
