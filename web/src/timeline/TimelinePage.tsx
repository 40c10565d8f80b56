/**
 * The timeline page: pick a trace and a rule set; the replay's verdict, the
 * events in steps or on a time axis, search and filters, the state at the
 * cursor and the diff between two cursor positions. Nothing here reads a
 * whole trace: the overview is counted by the server, rows come in windows
 * (useWindows), the time axis asks for what is in view (TimeView). The rows
 * are fetched first; the replay (verdict, what the rules changed, the state)
 * is asked for once they are in, so that a long replay never delays them.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { duration, parseTimestamp } from "../../../src/events/units.ts";
import { gql } from "../api.ts";
import { routeHref, useLoad, type Route } from "../hooks.ts";
import type { EventFilter, TracesQuery } from "../generated/graphql.ts";
import { CHANGES, CHECK, DIFF, EVENT_AT, FIND, OVERVIEW, RANKS, SEQ_AT_TIME, STATE_AT, TRACES } from "../queries.ts";
import type { CheckResult, Reference, TraceEvent, TraceSummary } from "../types.ts";
import { addressNames, annotations, blockedSpans, movedEvents, scenarioActors, seqsToRank, type LaneMode, type OrderMode, buildLanes } from "./model.ts";
import { DisplayOrder } from "./order.ts";
import { StepView, type StepNav } from "./StepView.tsx";
import { TimeView, wholeTrace } from "./TimeView.tsx";
import { Finder, GoTo, type FinderValues } from "./Finder.tsx";
import { CursorDetail } from "./CursorDetail.tsx";
import { useWindows } from "./useWindows.ts";
import { centred, clampSpan, relative, zoom, type TimeSpan } from "./time.ts";
import { StatePanel } from "../state/StatePanel.tsx";
import { DiffPanel } from "../state/DiffPanel.tsx";
import { RulesSwitch, rulesLabel } from "./RulesSwitch.tsx";
import { VerdictBanner } from "./VerdictBanner.tsx";

async function allTraces(signal: AbortSignal): Promise<TraceSummary[]> {
  const out: TraceSummary[] = [];
  let after: string | null = null;
  for (;;) {
    // Annotated: `after` comes from the previous answer, which TS cannot infer through.
    const data: TracesQuery = await gql(TRACES, { first: 500, after }, signal);
    out.push(...data.traces.nodes);
    if (!data.traces.pageInfo.hasNextPage || !data.traces.pageInfo.endCursor) return out;
    after = data.traces.pageInfo.endCursor;
  }
}

/** More tasks than this: one lane per CPU unless asked otherwise. */
const MAX_TASK_LANES = 6;

const CANONICAL_FIRST = "balance-vs-unused-bg-deletion";

/** The time from the mark to the cursor: `1.532 ms`, `−132 µs`. */
function signedDuration(ns: bigint): string {
  return `${ns < 0n ? "−" : ""}${duration(ns < 0n ? -ns : ns)}`;
}

function intParam(v: string | null): number | null {
  return v !== null && /^[0-9]+$/.test(v) ? Number(v) : null;
}

function numParam(v: string | null): number | null {
  return v !== null && /^[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : null;
}

export function TimelinePage(props: { route: Route; navigate: (href: string, replace?: boolean) => void; reference: Reference | null; tracesVersion: number }) {
  const { route, navigate, reference } = props;
  const traces = useLoad(`traces:${props.tracesVersion}`, allTraces);
  const requested = route.parts[1] ?? null;
  const list = traces.data ?? [];
  const trace: TraceSummary | null =
    (requested ? (list.find((t) => t.id === requested) ?? [...list].reverse().find((t) => t.name === requested)) : null) ??
    (requested ? null : (list.find((t) => t.name === CANONICAL_FIRST) ?? list[0] ?? null));
  const p = route.params;
  const rules = p.get("rules") || "unpatched";
  const lanesParam = p.get("lanes");
  const orderParam = p.get("order");
  const at = intParam(p.get("at")) ?? 0;
  const mark = intParam(p.get("mark"));
  const finder: FinderValues = { search: p.get("q") ?? "", cpu: p.get("cpu") ?? "", pid: p.get("pid") ?? "", type: p.get("type") ?? "", bg: p.get("bg") ?? "" };
  const fold = p.get("fold") !== "0";

  const traceKey = trace ? trace.id : null;
  const overview = useLoad(traceKey ? `overview:${traceKey}:${trace!.version}` : null, (signal) =>
    gql(OVERVIEW, { trace: traceKey! }, signal).then((d) => {
      if (!d.trace) throw new Error(`no trace ${JSON.stringify(traceKey)}`);
      return d.trace.overview;
    }),
  );
  const hasTime = !!overview.data?.firstTs;
  const view: "steps" | "time" = p.get("view") === "time" && hasTime ? "time" : "steps";

  const filter: EventFilter = useMemo(
    () => ({
      cpus: finder.cpu ? [Number(finder.cpu)] : null,
      pids: finder.pid ? [Number(finder.pid)] : null,
      types: finder.type ? [finder.type] : null,
      blockGroups: finder.bg ? [finder.bg] : null,
    }),
    [finder.cpu, finder.pid, finder.type, finder.bg],
  );
  const filtered = !!(finder.cpu || finder.pid || finder.type || finder.bg);
  const windows = useWindows(traceKey, filter, finder.search);

  // The replay once the first rows are in: it may take seconds on a long trace, and the server does it first.
  const ready = !!overview.data && windows.total !== null && windows.started;
  const check = useLoad(traceKey && ready ? `check:${traceKey}:${trace!.version}:${rules}` : null, (signal) =>
    gql(CHECK, { trace: traceKey!, rules: [rules] }, signal).then((d) => d.check),
  );
  const changes = useLoad(traceKey && check.data ? `changes:${traceKey}:${trace!.version}:${rules}` : null, (signal) =>
    gql(CHANGES, { trace: traceKey!, rules: [rules] }, signal).then((d) => d.check.changes),
  );
  const last = overview.data?.events ?? trace?.version ?? 0;
  const cursor = Math.min(at, last);
  const state = useLoad(traceKey && ready ? `state:${traceKey}:${rules}:${cursor}` : null, (signal) =>
    gql(STATE_AT, { trace: traceKey!, seq: cursor, rules: [rules] }, signal).then((d) => d.stateAt),
  );
  const diffFrom = mark === null ? null : Math.min(mark, last);
  const diff = useLoad(traceKey && ready && diffFrom !== null ? `diff:${traceKey}:${rules}:${diffFrom}:${cursor}` : null, (signal) =>
    gql(DIFF, { trace: traceKey!, from: Math.min(diffFrom!, cursor), to: Math.max(diffFrom!, cursor), rules: [rules] }, signal).then((d) => d.diff),
  );
  const eventAt = (seq: number | null) => (signal: AbortSignal) => gql(EVENT_AT, { trace: traceKey!, seq: seq! }, signal).then((d) => d.trace?.event ?? null);
  const cursorEvent = useLoad(traceKey && cursor > 0 ? `event:${traceKey}:${cursor}` : null, eventAt(cursor));
  const markEvent = useLoad(traceKey && mark !== null && mark > 0 ? `event:${traceKey}:${mark}` : null, eventAt(mark));

  // The verdict under the rules shown before, to say how switching changed it.
  const [previous, setPrevious] = useState<{ trace: string; rules: string; check: CheckResult } | null>(null);
  const shown = useRef<{ trace: string; rules: string; check: CheckResult } | null>(null);
  useEffect(() => {
    if (!traceKey || !check.data) return;
    const before = shown.current;
    if (before && before.trace === traceKey && before.rules !== rules) setPrevious(before);
    else if (!before || before.trace !== traceKey) setPrevious(null);
    shown.current = { trace: traceKey, rules, check: check.data };
  }, [traceKey, rules, check.data]);

  const actors = useMemo(() => scenarioActors(trace?.meta), [trace]);
  const names = useMemo(() => addressNames(trace?.meta), [trace]);
  const taskCount = overview.data?.tasks.length ?? 0;
  const laneMode: LaneMode = lanesParam === "cpu" || lanesParam === "task" ? lanesParam : taskCount > MAX_TASK_LANES ? "cpu" : "task";
  const order: OrderMode = orderParam === "recorded" ? "recorded" : "applied";
  const lanes = useMemo(() => (overview.data ? buildLanes(overview.data, laneMode, actors, { fold }) : null), [overview.data, laneMode, actors, fold]);
  const docs = useMemo(() => new Map((reference?.eventTypes ?? []).map((t) => [t.type, t.doc])), [reference]);
  const byPid = useMemo(() => new Map(actors.map((a) => [a.pid, a.name])), [actors]);
  const who = useCallback((e: TraceEvent) => byPid.get(e.origin.pid) ?? e.origin.task, [byPid]);

  // Positions in a filtered timeline (ranks) for the moved events and the cursor.
  const rankSeqs = useMemo(() => (filtered ? seqsToRank(check.data ?? null, cursor) : []), [filtered, check.data, cursor]);
  const ranks = useLoad(traceKey && filtered && rankSeqs.length > 0 ? `ranks:${traceKey}:${JSON.stringify(filter)}:${rankSeqs.join(",")}` : null, (signal) =>
    gql(RANKS, { trace: traceKey!, filter, seqs: rankSeqs }, signal).then((d) => new Map(rankSeqs.map((s, i) => [s, d.trace?.matchRanks[i] ?? 0]))),
  );
  const total = windows.total ?? 0;
  const rank = useCallback(
    (seq: number) => {
      if (!filtered) return Math.min(Math.max(seq, 0), total);
      return ranks.data?.get(seq) ?? 0;
    },
    [filtered, total, ranks.data],
  );
  const displayOrder = useMemo(() => {
    // A filtered timeline waits for the ranks before moving events.
    const moved = !filtered || ranks.data ? movedEvents(check.data ?? null, order) : [];
    return new DisplayOrder(total, moved, rank);
  }, [total, check.data, order, filtered, ranks.data, rank]);
  const notes = useMemo(() => annotations(check.data ?? null, changes.data ?? null, last), [check.data, changes.data, last]);
  const spans = useMemo(() => (!filtered || ranks.data ? blockedSpans(check.data ?? null, displayOrder, rank) : []), [check.data, displayOrder, rank, filtered, ranks.data]);
  const cursorIndex = cursor === 0 ? -1 : displayOrder.lastIndexAtOrBefore(cursor, rank(cursor));

  const go = useCallback(
    (q: Record<string, string | number | null>, replace = true) => {
      const params: Record<string, string | number | null> = {
        rules: rules === "unpatched" ? null : rules,
        at: cursor || null,
        mark,
        lanes: lanesParam,
        order: orderParam,
        view: p.get("view"),
        q: finder.search || null,
        cpu: finder.cpu || null,
        pid: finder.pid || null,
        type: finder.type || null,
        bg: finder.bg || null,
        t0: p.get("t0"),
        t1: p.get("t1"),
        fold: p.get("fold"),
        ...q,
      };
      navigate(routeHref(["timeline", trace?.name ?? ""], params), replace);
    },
    [rules, cursor, mark, lanesParam, orderParam, p, finder.search, finder.cpu, finder.pid, finder.type, finder.bg, navigate, trace],
  );

  // The time axis: its span from the URL (ns after the first timestamp), else the whole trace.
  const full = overview.data ? wholeTrace(overview.data) : { from: 0, to: 1 };
  const t0 = numParam(p.get("t0"));
  const t1 = numParam(p.get("t1"));
  const span: TimeSpan = t0 !== null && t1 !== null && t1 > t0 ? clampSpan({ from: t0, to: t1 }, full.to) : full;
  const setSpan = (s: TimeSpan) => go({ t0: Math.round(s.from), t1: Math.round(s.to) });

  // Scroll requests: go to, next match, the bug row.
  const [reveal, setReveal] = useState<{ index: number; nonce: number } | null>(null);
  const revealSeq = useCallback(
    async (seq: number) => {
      const r = filtered ? ((await gql(RANKS, { trace: traceKey!, filter, seqs: [seq] })).trace?.matchRanks[0] ?? 0) : Math.min(seq, total);
      setReveal({ index: Math.max(0, displayOrder.lastIndexAtOrBefore(seq, r)), nonce: Date.now() });
    },
    [filtered, traceKey, filter, total, displayOrder],
  );
  // The bug row in view when the verdict comes (the cursor stays where it is).
  const revealedBug = useRef<string | null>(null);
  useEffect(() => {
    const f = check.data?.findings[0];
    const key = `${traceKey}:${rules}`;
    if (!f || revealedBug.current === key || cursor !== 0) return;
    revealedBug.current = key;
    void revealSeq(f.seq);
  }, [check.data, traceKey, rules, cursor, revealSeq]);

  const moveTo = useCallback(
    (seq: number, timeToo = true) => {
      const q: Record<string, string | number | null> = { at: seq };
      // On the time axis, keep the cursor's event in view.
      if (timeToo && view === "time" && overview.data?.firstTs) {
        void gql(EVENT_AT, { trace: traceKey!, seq }).then((d) => {
          const ts = d.trace?.event?.origin.ts;
          if (!ts) return;
          const t = relative(BigInt(overview.data!.firstTs!), ts);
          if (t < span.from || t > span.to) {
            const s = centred(t, span.to - span.from, full.to);
            go({ at: seq, t0: Math.round(s.from), t1: Math.round(s.to) });
          }
        });
      }
      go(q);
    },
    [go, view, overview.data, traceKey, span, full.to],
  );

  const findFrom = useCallback(
    async (f: EventFilter, dir: 1 | -1) => {
      const d = await gql(FIND, { trace: traceKey!, filter: f, from: cursor, backward: dir < 0 });
      const seq = d.trace?.findEvent ?? null;
      if (seq !== null) moveTo(seq);
      return seq;
    },
    [traceKey, cursor, moveTo],
  );
  const [navNote, setNavNote] = useState<string | null>(null);
  const nav: StepNav = {
    cursor: (point) => go({ at: point }),
    findMatch: (dir) => {
      if (!finder.search) {
        setNavNote("Type a search first.");
        return;
      }
      void findFrom({ ...filter, search: finder.search }, dir).then((s) => setNavNote(s === null ? `No ${dir > 0 ? "later" : "earlier"} match.` : null));
    },
    end: () => {
      // The last row's point: the last event kept (a filter), or the end of the trace.
      if (!filtered) go({ at: last });
      else void gql(FIND, { trace: traceKey!, filter, from: last + 1, backward: true }).then((d) => d.trace?.findEvent != null && go({ at: d.trace.findEvent }));
    },
    sameTask: (dir) => {
      const pid = cursorEvent.data?.origin.pid;
      if (pid === undefined) {
        setNavNote("Put the cursor on an event first.");
        return;
      }
      void findFrom({ ...filter, pids: [pid] }, dir).then((s) => setNavNote(s === null ? `No ${dir > 0 ? "later" : "earlier"} event of this task.` : null));
    },
  };

  const goToText = async (text: string): Promise<string | null> => {
    const t = text.trim().replace(/^#/, "");
    if (t === "") return "Type a sequence number (#12) or a time (13.716279).";
    let seq: number | null = null;
    if (/^[0-9]+$/.test(t)) {
      seq = Number(t);
      if (seq > last) return `#${seq}: the trace has ${last} events.`;
    } else if (parseTimestamp(t) !== null) {
      const d = await gql(SEQ_AT_TIME, { trace: traceKey!, ts: t });
      seq = d.trace?.seqAtTime ?? null;
      if (seq === null) return `No event at or after ${t} s.`;
    } else return `Not a sequence number or a time: ${JSON.stringify(text)}.`;
    moveTo(seq);
    if (view === "steps") void revealSeq(seq);
    return null;
  };

  if (traces.error) return <p role="alert" className="error"><span aria-hidden="true">✖ </span>Cannot list traces: {traces.error}</p>;
  if (traces.loading && !traces.data) return <p aria-busy="true">Loading traces…</p>;
  if (list.length === 0) {
    return (
      <section aria-labelledby="no-traces">
        <h1 id="no-traces">No traces yet</h1>
        <p>
          Load the seed races with <code>racelab seed</code>, or <a href="#/import">import an ftrace log</a>.
        </p>
      </section>
    );
  }
  const meta = (trace?.meta as { scenario?: { title?: string; description?: string; race?: string; variant?: string } } | null)?.scenario;
  const firstFinding = check.data?.findings[0] ?? null;
  const rowsReady = !!lanes && windows.total !== null;

  return (
    <div className="timeline-page">
      <section className="controls" aria-label="Trace and rules">
        <div className="field">
          <label htmlFor="trace-picker">Trace</label>
          <select
            id="trace-picker"
            value={trace?.id ?? ""}
            onChange={(e) => {
              const t = list.find((x) => x.id === e.target.value);
              if (t) navigate(routeHref(["timeline", t.name], { rules: rules === "unpatched" ? null : rules }));
            }}
          >
            {!trace ? <option value="">(no trace named {requested})</option> : null}
            <optgroup label="Seed races (scenarios)">
              {list.filter((t) => t.format === "scenario").map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} · {t.version} events
                </option>
              ))}
            </optgroup>
            <optgroup label="Imported and other traces">
              {list.filter((t) => t.format !== "scenario").map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} · {t.format} · {t.version} events
                </option>
              ))}
            </optgroup>
          </select>
        </div>
        <RulesSwitch value={rules} fixes={reference?.fixes ?? []} onChange={(r) => go({ rules: r === "unpatched" ? null : r }, false)} />
        <div className="view-options">
          <div role="radiogroup" aria-labelledby="view-label" className="toggle-group">
            <span id="view-label" className="toggle-label">View:</span>
            <label>
              <input type="radio" name="view" checked={view === "steps"} onChange={() => go({ view: null })} /> steps
            </label>
            <label title={hasTime ? "" : "this trace has no timestamps"}>
              <input type="radio" name="view" checked={view === "time"} disabled={!hasTime} onChange={() => go({ view: "time" })} /> time axis
            </label>
          </div>
          <div role="radiogroup" aria-labelledby="lanes-label" className="toggle-group">
            <span id="lanes-label" className="toggle-label">Lanes:</span>
            <label>
              <input type="radio" name="lanes" checked={laneMode === "task"} onChange={() => go({ lanes: "task" })} /> one per task
            </label>
            <label>
              <input type="radio" name="lanes" checked={laneMode === "cpu"} onChange={() => go({ lanes: "cpu" })} /> one per CPU
            </label>
            <label title="the kernel's idle task, and (time axis) tasks with no event in view">
              <input type="checkbox" checked={fold} disabled={laneMode !== "task"} onChange={() => go({ fold: fold ? "0" : null })} /> fold idle tasks
            </label>
          </div>
          <div role="radiogroup" aria-labelledby="order-label" className="toggle-group">
            <span id="order-label" className="toggle-label">Order:</span>
            <label>
              <input type="radio" name="order" checked={order === "applied"} onChange={() => go({ order: null })} /> as applied under the rules
            </label>
            <label>
              <input type="radio" name="order" checked={order === "recorded"} onChange={() => go({ order: "recorded" })} /> as recorded
            </label>
          </div>
        </div>
      </section>

      {!trace ? (
        <p role="alert" className="error">
          <span aria-hidden="true">✖ </span>No trace named {JSON.stringify(requested)}. Pick one above.
        </p>
      ) : (
        <>
          <section className="trace-info" aria-labelledby="trace-title">
            <h1 id="trace-title">{trace.name}</h1>
            <p className="muted small">
              {trace.format} · {trace.version} events{trace.sourceFile ? ` · from ${trace.sourceFile.replace(/^.*[\\/]/, "")}` : ""}
              {meta?.race ? ` · race ${meta.race}${meta.variant ? ` (${meta.variant})` : ""}` : ""}
            </p>
            {meta?.title || meta?.description ? (
              <details className="scenario-about">
                <summary>{meta.title ?? "About this trace"}</summary>
                {meta.description ? <p className="scenario-desc">{meta.description}</p> : null}
              </details>
            ) : null}
          </section>

          <VerdictBanner rules={rules} check={check.data} error={check.error} loading={check.loading} previous={previous} onJump={(seq) => moveTo(seq)} />

          {overview.error || windows.error ? (
            <p role="alert" className="error">
              <span aria-hidden="true">✖ </span>Cannot read the events: {overview.error ?? windows.error}
            </p>
          ) : null}

          <div className="workbench">
            <section className="timeline-section" aria-labelledby="timeline-title">
              <div className="section-head">
                <h2 id="timeline-title">Timeline</h2>
                <div className="cursor-bar" role="group" aria-label="Cursor">
                  <GoTo onGoTo={goToText} />
                  {firstFinding ? (
                    <button type="button" onClick={() => moveTo(firstFinding.seq)}>
                      <span aria-hidden="true">⚠ </span>Go to the bad step (#{firstFinding.seq})
                    </button>
                  ) : null}
                  <button type="button" onClick={() => go({ mark: cursor })} aria-pressed={mark === cursor}>
                    <span aria-hidden="true">◆ </span>Mark for diff
                  </button>
                  {mark !== null ? (
                    <button type="button" onClick={() => go({ mark: null })}>
                      Clear mark
                    </button>
                  ) : null}
                  {view === "time" ? (
                    <>
                      <button type="button" onClick={() => setSpan(zoom(span, 0.5, 0.5, full.to))} title="Zoom in (+, or the wheel)">
                        Zoom in
                      </button>
                      <button type="button" onClick={() => setSpan(zoom(span, 2, 0.5, full.to))} title="Zoom out (−, or the wheel)">
                        Zoom out
                      </button>
                      <button type="button" onClick={() => go({ t0: null, t1: null })}>
                        Whole trace
                      </button>
                    </>
                  ) : null}
                </div>
              </div>
              <Finder
                overview={overview.data}
                values={finder}
                matchCount={windows.matchCount}
                kept={windows.total}
                total={last}
                onChange={(v) => go({ q: v.search ?? finder.search ?? null, cpu: v.cpu ?? finder.cpu, pid: v.pid ?? finder.pid, type: v.type ?? finder.type, bg: v.bg ?? finder.bg }, false)}
                onFind={(dir) => nav.findMatch(dir)}
              />
              <p className="cursor-status" role="status" aria-live="polite" data-testid="cursor-status">
                {!rowsReady ? (
                  "Loading events…"
                ) : (
                  <>
                    Cursor: {cursor === 0 ? "before the first event" : `after step #${cursor}`} of {last}
                    {cursorEvent.data?.origin.time ? ` (${cursorEvent.data.origin.time} s)` : ""} · rules {rulesLabel(rules)}
                    {mark !== null ? ` · diff mark at ${mark === 0 ? "start" : `#${mark}`}` : ""}
                    {markEvent.data?.origin.ts && cursorEvent.data?.origin.ts && mark !== cursor ? ` (Δt ${signedDuration(BigInt(cursorEvent.data.origin.ts) - BigInt(markEvent.data.origin.ts))})` : ""}
                    {filtered ? ` · ${windows.total} events shown` : ""}
                    {navNote ? ` · ${navNote}` : ""}
                  </>
                )}
              </p>
              <div className="timeline">
                {!rowsReady || !lanes ? (
                  <p aria-busy="true" className="muted pad">Loading events…</p>
                ) : view === "time" && overview.data ? (
                  <TimeView
                    trace={traceKey!}
                    overview={overview.data}
                    mode={laneMode}
                    actors={actors}
                    fold={fold}
                    filter={filter}
                    span={span}
                    onSpan={setSpan}
                    cursor={cursor}
                    cursorEvent={cursorEvent.data ?? null}
                    mark={mark}
                    markEvent={markEvent.data ?? null}
                    notes={notes}
                    names={names}
                    who={who}
                    onCursor={(seq) => go({ at: seq })}
                  />
                ) : (
                  <StepView
                    lanes={lanes}
                    order={displayOrder}
                    orderMode={order}
                    windows={windows}
                    notes={notes}
                    spans={spans}
                    cursor={cursor}
                    cursorIndex={cursorIndex}
                    mark={mark}
                    names={names}
                    docs={docs}
                    who={who}
                    rulesLabel={rulesLabel(rules)}
                    reveal={reveal}
                    nav={nav}
                    searching={!!finder.search}
                  />
                )}
                <CursorDetail cursor={cursor} event={cursorEvent.data ?? null} notes={notes} names={names} docs={docs} who={who} />
              </div>
            </section>
            <div className="side">
              {/* With a diff mark set the diff comes first: it is what the user asked for last. */}
              {mark !== null ? <DiffPanel diff={diff.data} loading={diff.loading} error={diff.error} mark={mark} cursor={cursor} names={names} /> : null}
              <StatePanel state={state.data} loading={state.loading} error={state.error} names={names} actors={actors} cursor={cursor} notes={notes} />
              {mark === null ? <DiffPanel diff={null} loading={false} error={null} mark={null} cursor={cursor} names={names} /> : null}
            </div>
          </div>
        </>
      )}
    </div>
  );
}
