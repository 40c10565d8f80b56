/**
 * The timeline page: pick a trace and a rule set; the replay's verdict, the
 * lanes, the state at the cursor and the diff between two cursor positions.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { gql } from "../api.ts";
import { routeHref, useLoad, type Route } from "../hooks.ts";
import type { EventsQuery, TracesQuery } from "../generated/graphql.ts";
import { CHECK, DIFF, EVENTS, STATE_AT, TRACES } from "../queries.ts";
import type { CheckResult, Reference, TraceEvent, TraceSummary } from "../types.ts";
import { addressNames, buildTimeline, scenarioActors, stepPoint, type LaneMode, type OrderMode } from "./model.ts";
import { Timeline } from "./Timeline.tsx";
import { StatePanel } from "../state/StatePanel.tsx";
import { DiffPanel } from "../state/DiffPanel.tsx";
import { RulesSwitch, rulesLabel } from "./RulesSwitch.tsx";
import { VerdictBanner } from "./VerdictBanner.tsx";

/** Events fetched per page, and at most in all (a timeline of more is not readable anyway). */
const PAGE = 1000;
const MAX_EVENTS = 50_000;

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

async function allEvents(trace: string, signal: AbortSignal): Promise<{ events: TraceEvent[]; truncated: boolean }> {
  const events: TraceEvent[] = [];
  let after: string | null = null;
  for (;;) {
    const data: EventsQuery = await gql(EVENTS, { trace, first: PAGE, after }, signal);
    if (!data.trace) throw new Error(`no trace ${JSON.stringify(trace)}`);
    events.push(...data.trace.events.nodes);
    const info = data.trace.events.pageInfo;
    if (!info.hasNextPage || !info.endCursor) return { events, truncated: false };
    if (events.length >= MAX_EVENTS) return { events, truncated: true };
    after = info.endCursor;
  }
}

/** More tasks than this: one lane per CPU unless asked otherwise. */
const MAX_TASK_LANES = 6;

const CANONICAL_FIRST = "balance-vs-unused-bg-deletion";

function intParam(v: string | null): number | null {
  return v !== null && /^[0-9]+$/.test(v) ? Number(v) : null;
}

export function TimelinePage(props: { route: Route; navigate: (href: string, replace?: boolean) => void; reference: Reference | null; tracesVersion: number }) {
  const { route, navigate, reference } = props;
  const traces = useLoad(`traces:${props.tracesVersion}`, allTraces);
  const requested = route.parts[1] ?? null;
  const list = traces.data ?? [];
  const trace: TraceSummary | null =
    (requested ? (list.find((t) => t.id === requested) ?? [...list].reverse().find((t) => t.name === requested)) : null) ??
    (requested ? null : (list.find((t) => t.name === CANONICAL_FIRST) ?? list[0] ?? null));
  const rules = route.params.get("rules") || "unpatched";
  const lanesParam = route.params.get("lanes");
  const orderParam = route.params.get("order");
  const at = intParam(route.params.get("at")) ?? 0;
  const mark = intParam(route.params.get("mark"));

  const traceKey = trace ? trace.id : null;
  const events = useLoad(traceKey ? `events:${traceKey}:${trace!.version}` : null, (signal) => allEvents(traceKey!, signal));
  const check = useLoad(traceKey ? `check:${traceKey}:${rules}` : null, (signal) =>
    gql(CHECK, { trace: traceKey!, rules: [rules] }, signal).then((d) => d.check),
  );
  const last = events.data?.events.at(-1)?.seq ?? 0;
  const cursor = Math.min(at, last);
  const state = useLoad(traceKey && events.data ? `state:${traceKey}:${rules}:${cursor}` : null, (signal) =>
    gql(STATE_AT, { trace: traceKey!, seq: cursor, rules: [rules] }, signal).then((d) => d.stateAt),
  );
  const diffFrom = mark === null ? null : Math.min(mark, last);
  const diff = useLoad(traceKey && diffFrom !== null && events.data ? `diff:${traceKey}:${rules}:${diffFrom}:${cursor}` : null, (signal) =>
    gql(DIFF, { trace: traceKey!, from: Math.min(diffFrom!, cursor), to: Math.max(diffFrom!, cursor), rules: [rules] }, signal).then((d) => d.diff),
  );

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
  // Lanes: as asked, else one per task unless the log has so many tasks that one per CPU reads better.
  const taskCount = useMemo(() => new Set((events.data?.events ?? []).map((e) => e.origin.pid)).size, [events.data]);
  const laneMode: LaneMode = lanesParam === "cpu" || lanesParam === "task" ? lanesParam : taskCount > MAX_TASK_LANES ? "cpu" : "task";
  const names = useMemo(() => addressNames(trace?.meta), [trace]);
  const order: OrderMode = orderParam === "recorded" ? "recorded" : "applied";
  const model = useMemo(
    () => (events.data ? buildTimeline(events.data.events, check.data, { lanes: laneMode, order, actors }) : null),
    [events.data, check.data, laneMode, order, actors],
  );
  const docs = useMemo(() => new Map((reference?.eventTypes ?? []).map((t) => [t.type, t.doc])), [reference]);

  const go = (p: Record<string, string | number | null>, replace = true) => {
    const params: Record<string, string | number | null> = {
      rules: rules === "unpatched" ? null : rules,
      at: cursor || null,
      mark,
      lanes: lanesParam,
      order: orderParam,
      ...p,
    };
    navigate(routeHref(["timeline", trace?.name ?? ""], params), replace);
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
          <div role="radiogroup" aria-labelledby="lanes-label" className="toggle-group">
            <span id="lanes-label" className="toggle-label">Lanes:</span>
            <label>
              <input type="radio" name="lanes" checked={laneMode === "task"} onChange={() => go({ lanes: "task" })} /> one per task
            </label>
            <label>
              <input type="radio" name="lanes" checked={laneMode === "cpu"} onChange={() => go({ lanes: "cpu" })} /> one per CPU
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

          <VerdictBanner rules={rules} check={check.data} error={check.error} loading={check.loading} previous={previous} onJump={(seq) => go({ at: seq }, false)} />

          {events.error ? (
            <p role="alert" className="error">
              <span aria-hidden="true">✖ </span>Cannot read the events: {events.error}
            </p>
          ) : null}
          {events.data?.truncated ? (
            <p className="warning" role="status">
              <span aria-hidden="true">⚠ </span>Only the first {events.data.events.length} events are drawn.
            </p>
          ) : null}

          <div className="workbench">
            <section className="timeline-section" aria-labelledby="timeline-title">
              <div className="section-head">
                <h2 id="timeline-title">Timeline</h2>
                <div className="cursor-bar" role="group" aria-label="Cursor">
                  <button type="button" onClick={() => model && go({ at: stepPoint(model, cursor, -1) })} disabled={!model || cursor === 0}>
                    <span aria-hidden="true">◀ </span>Previous step
                  </button>
                  <button type="button" onClick={() => model && go({ at: stepPoint(model, cursor, +1) })} disabled={!model || cursor === last}>
                    Next step<span aria-hidden="true"> ▶</span>
                  </button>
                  {firstFinding ? (
                    <button type="button" onClick={() => go({ at: firstFinding.seq })}>
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
                </div>
              </div>
              <p className="cursor-status" role="status" aria-live="polite" data-testid="cursor-status">
                {!events.data ? "Loading events…" : <>Cursor: {cursor === 0 ? "before the first event" : `after step #${cursor}`} of {last} · rules {rulesLabel(rules)}
                {mark !== null ? ` · diff mark at ${mark === 0 ? "start" : `#${mark}`}` : ""}</>}
              </p>
              {model ? (
                <Timeline model={model} cursor={cursor} mark={mark} names={names} docs={docs} onCursor={(p) => go({ at: p })} order={order} rulesLabel={rulesLabel(rules)} />
              ) : events.loading ? (
                <p aria-busy="true">Loading events…</p>
              ) : null}
            </section>
            <div className="side">
              {/* With a diff mark set the diff comes first: it is what the user asked for last. */}
              {mark !== null ? <DiffPanel diff={diff.data} loading={diff.loading} error={diff.error} mark={mark} cursor={cursor} names={names} /> : null}
              <StatePanel state={state.data} loading={state.loading} error={state.error} names={names} actors={actors} cursor={cursor} />
              {mark === null ? <DiffPanel diff={null} loading={false} error={null} mark={null} cursor={cursor} names={names} /> : null}
            </div>
          </div>
        </>
      )}
    </div>
  );
}
