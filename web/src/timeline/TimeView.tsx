/**
 * The time view: the events of each lane placed by their timestamps, as the
 * trace viewers kernel people know draw them (KernelShark, Perfetto). Zoom
 * with the wheel (about the pointer), the + / − keys or the buttons; pan by
 * dragging, Shift+wheel or ← / →; 0 shows the whole trace. Zoomed in, each
 * event is a mark (click: the cursor goes there); zoomed out, where single
 * events cannot be told apart, each lane shows how many events fall in each
 * slice of time (the server counts them: the page never reads a whole trace).
 * The cursor (A) and the diff mark (B) are drawn as lines, with the time
 * between them.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { duration, timestamp } from "../../../src/events/units.ts";
import { gql } from "../api.ts";
import type { EventFilter } from "../generated/graphql.ts";
import { COUNT, DENSITY, SEQ_AT_TIME, SPAN } from "../queries.ts";
import type { Overview, TraceEvent } from "../types.ts";
import { buildLanes, formatArgs, type Annotations, type LaneMode, type ScenarioActor } from "./model.ts";
import { absolute, atX, pan, relative, spanText, ticks, toX, zoom, type TimeSpan } from "./time.ts";
import { ErrorAlert } from "../ErrorAlert.tsx";

/** Above this many events in view, lanes show counts per slice of time. */
export const MAX_MARKS = 1000;
const LABEL_WIDTH = 150; // px, matches .time-lane-label

interface Drawn {
  readonly key: string;
  readonly events: readonly TraceEvent[] | null;
  readonly density: readonly { readonly lane: string; readonly counts: readonly number[] }[] | null;
  readonly inView: number;
}

export function TimeView(props: {
  trace: string;
  overview: Overview;
  mode: LaneMode;
  actors: readonly ScenarioActor[];
  fold: boolean;
  filter: EventFilter;
  span: TimeSpan;
  onSpan: (s: TimeSpan) => void;
  cursor: number;
  cursorEvent: TraceEvent | null;
  mark: number | null;
  markEvent: TraceEvent | null;
  notes: Annotations;
  names: ReadonlyMap<string, string>;
  who: (e: TraceEvent) => string;
  onCursor: (seq: number) => void;
}) {
  const { overview, span } = props;
  const first = BigInt(overview.firstTs!);
  const full = Math.max(1, relative(first, overview.lastTs!) + 1);
  const track = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [drawn, setDrawn] = useState<Drawn | null>(null);
  const [error, setError] = useState<string | null>(null);

  useLayoutEffect(() => {
    const el = track.current;
    if (!el) return undefined;
    const measure = () => setWidth(Math.max(100, el.clientWidth - LABEL_WIDTH));
    measure();
    const ro = typeof ResizeObserver === "function" ? new ResizeObserver(measure) : null;
    ro?.observe(el);
    return () => ro?.disconnect();
  }, []);

  // What is in view: the events themselves, or counts per slice when too many. Debounced: wheel zooms come in bursts.
  const fetchKey = JSON.stringify([props.trace, props.filter, Math.round(span.from), Math.round(span.to), props.mode, Math.round(width / 4)]);
  useEffect(() => {
    const ctl = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const fromTs = absolute(first, span.from).toString();
        const toTs = absolute(first, span.to).toString();
        const [a, b] = await Promise.all([
          gql(SEQ_AT_TIME, { trace: props.trace, ts: fromTs }, ctl.signal),
          gql(SEQ_AT_TIME, { trace: props.trace, ts: toTs }, ctl.signal),
        ]);
        const fromSeq = a.trace?.seqAtTime ?? null;
        const toSeq = b.trace?.seqAtTime == null ? overview.events : b.trace.seqAtTime - 1;
        if (fromSeq === null || toSeq < fromSeq) {
          setDrawn({ key: fetchKey, events: [], density: null, inView: 0 });
          return;
        }
        const filter: EventFilter = { ...props.filter, fromSeq, toSeq };
        const n = (await gql(COUNT, { trace: props.trace, filter }, ctl.signal)).trace?.events.totalCount ?? 0;
        if (n <= MAX_MARKS) {
          const s = await gql(SPAN, { trace: props.trace, filter, first: MAX_MARKS }, ctl.signal);
          setDrawn({ key: fetchKey, events: s.trace?.events.nodes ?? [], density: null, inView: n });
        } else {
          const d = await gql(
            DENSITY,
            { trace: props.trace, fromTs, toTs, buckets: Math.max(10, Math.round(width / 4)), lanes: props.mode === "cpu" ? "CPU" : "TASK", filter: props.filter },
            ctl.signal,
          );
          setDrawn({ key: fetchKey, events: null, density: d.trace?.density ?? [], inView: n });
        }
        setError(null);
      } catch (err) {
        if ((err as Error).name !== "AbortError") setError((err as Error).message);
      }
    }, 120);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
    // The key holds every input.
  }, [fetchKey]);

  // Idle tasks, when folded: the idle task, and tasks with no event in view.
  const quiet = useMemo(() => {
    const q = new Set<number>();
    if (!props.fold || props.mode !== "task" || !drawn) return q;
    const busy = new Set<number>();
    for (const e of drawn.events ?? []) busy.add(e.origin.pid);
    for (const d of drawn.density ?? []) if (d.counts.some((c) => c > 0)) busy.add(Number(d.lane));
    for (const t of overview.tasks) if (!busy.has(t.pid)) q.add(t.pid);
    return q;
  }, [drawn, props.fold, props.mode, overview]);
  const lanes = useMemo(() => buildLanes(overview, props.mode, props.actors, { fold: props.fold, quiet }), [overview, props.mode, props.actors, props.fold, quiet]);

  // Wheel: zoom about the pointer (Shift: pan). Not passive, so that the page does not scroll instead.
  const spanRef = useRef(span);
  spanRef.current = span;
  const onSpanRef = useRef(props.onSpan);
  onSpanRef.current = props.onSpan;
  useEffect(() => {
    const el = track.current;
    if (!el) return undefined;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = el.getBoundingClientRect();
      const x = e.clientX - rect.left - LABEL_WIDTH;
      const delta = Math.abs(e.deltaY) > Math.abs(e.deltaX) ? e.deltaY : e.deltaX;
      if (e.shiftKey) onSpanRef.current(pan(spanRef.current, delta > 0 ? 0.1 : -0.1, full));
      else onSpanRef.current(zoom(spanRef.current, delta > 0 ? 1.25 : 0.8, Math.min(1, Math.max(0, x / Math.max(1, rect.width - LABEL_WIDTH))), full));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, [full]);

  // Drag to pan.
  const drag = useRef<{ x: number; span: TimeSpan } | null>(null);
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if ((e.target as HTMLElement).closest("button")) return;
    drag.current = { x: e.clientX, span };
    (e.currentTarget as HTMLDivElement).setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    if (Math.abs(dx) < 2) return;
    props.onSpan(pan(d.span, -dx / width, full));
  };
  const onPointerUp = () => {
    drag.current = null;
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    switch (e.key) {
      case "+":
      case "=":
        props.onSpan(zoom(span, 0.5, 0.5, full));
        break;
      case "-":
      case "_":
        props.onSpan(zoom(span, 2, 0.5, full));
        break;
      case "ArrowLeft":
        props.onSpan(pan(span, -0.2, full));
        break;
      case "ArrowRight":
        props.onSpan(pan(span, 0.2, full));
        break;
      case "0":
        props.onSpan({ from: 0, to: full });
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const marker = (e: TraceEvent | null, label: string, cls: string) => {
    if (!e?.origin.ts) return null;
    const t = relative(first, e.origin.ts);
    if (t < span.from || t > span.to) return null;
    return (
      <div className={`time-marker ${cls}`} style={{ left: LABEL_WIDTH + toX(t, span, width) }} aria-hidden="true">
        <span className="time-marker-label">
          {label} #{e.seq}
        </span>
      </div>
    );
  };
  const delta =
    props.cursorEvent?.origin.ts && props.markEvent?.origin.ts && props.cursor !== props.mark
      ? BigInt(props.cursorEvent.origin.ts) - BigInt(props.markEvent.origin.ts)
      : null;

  // What was fetched last (the previous span's while the next one comes).
  const current = drawn;
  const maxCount = Math.max(1, ...(current?.density ?? []).flatMap((d) => d.counts));
  const densityByLane = new Map<number, number[]>();
  for (const d of current?.density ?? []) {
    // Density comes per pid (task lanes) or per CPU; fold it into this view's lanes.
    const li =
      props.mode === "task"
        ? lanes.laneOf({ origin: { pid: Number(d.lane), cpu: null } })
        : lanes.laneOf({ origin: { pid: 0, cpu: d.lane === "?" ? null : Number(d.lane) } });
    const acc = densityByLane.get(li) ?? new Array<number>(d.counts.length).fill(0);
    d.counts.forEach((c, i) => (acc[i] = (acc[i] ?? 0) + c));
    densityByLane.set(li, acc);
  }

  return (
    <div className="time-view">
      <div className="time-status">
        <span data-testid="time-span">
          Showing {spanText(first, span)}
        </span>
        {current && current.key === fetchKey ? (
          <span className="muted" data-testid="time-count">
            {" "}
            · {current.inView} event{current.inView === 1 ? "" : "s"} in view{current.events === null ? " (counts per slice; zoom in to see each event)" : ""}
          </span>
        ) : (
          <span className="muted" aria-busy="true">
            {" "}
            · reading…
          </span>
        )}
        {delta !== null ? (
          <span className="time-delta" data-testid="time-delta">
            {" "}
            · Δt from ◆ #{props.mark} to ▶ #{props.cursor}: {delta < 0n ? "−" : ""}
            {duration(delta < 0n ? -delta : delta)}
          </span>
        ) : null}
      </div>
      {error ? (
        <ErrorAlert>Cannot read the events in view: {error}</ErrorAlert>
      ) : null}
      <div
        className="time-axis"
        ref={track}
        role="region"
        tabIndex={0}
        aria-label="Time axis"
        aria-description={`${spanText(first, span)}. Plus and minus zoom, the arrow keys pan, 0 shows the whole trace.`}
        onKeyDown={onKey}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        data-testid="time-axis"
      >
        <div className="time-ruler" style={{ paddingLeft: LABEL_WIDTH }} aria-hidden="true">
          {ticks(span, width, first).map((t) => (
            <span key={t} className="time-tick" style={{ left: LABEL_WIDTH + toX(t, span, width) }}>
              {timestamp(absolute(first, t))}
            </span>
          ))}
        </div>
        {lanes.lanes.map((lane, li) => (
          <div key={lane.key} className={`time-lane${lane.folded ? " folded" : ""}`}>
            <div className="time-lane-label" title={`${lane.label}${lane.detail ? ` · ${lane.detail}` : ""}`}>
              <div className="lane-label">{lane.label}</div>
              {lane.detail ? <div className="lane-detail">{lane.detail}</div> : null}
            </div>
            <div className="time-lane-track">
              {current?.events
                ?.filter((e) => lanes.laneOf(e) === li && e.origin.ts !== null)
                .map((e) => {
                  const x = toX(relative(first, e.origin.ts!), span, width);
                  const bug = (props.notes.findings.get(e.seq)?.length ?? 0) > 0;
                  const waited = props.notes.deferred.has(e.seq);
                  const args = formatArgs(e.data, props.names);
                  return (
                    <button
                      key={e.seq}
                      type="button"
                      className={`time-event${bug ? " bug" : ""}${waited ? " waited" : ""}${e.seq === props.cursor ? " cursor" : ""}`}
                      style={{ left: x }}
                      aria-label={`Step ${e.seq} at ${e.origin.time} s: ${props.who(e)}, ${e.type} ${args}${bug ? "; finding: bug" : ""}`}
                      title={`#${e.seq} ${e.origin.time} s ${props.who(e)}\n${e.type} ${args}`}
                      onClick={() => props.onCursor(e.seq)}
                      data-seq={e.seq}
                    />
                  );
                })}
              {current?.density
                ? (densityByLane.get(li) ?? []).map((c, i, all) =>
                    c > 0 ? (
                      <span
                        key={i}
                        className="time-density"
                        style={{ left: (i * width) / all.length, width: Math.max(1, width / all.length - 0.5), opacity: 0.25 + (0.75 * c) / maxCount }}
                        title={`${c} event${c === 1 ? "" : "s"}`}
                      />
                    ) : null,
                  )
                : null}
            </div>
          </div>
        ))}
        {marker(props.markEvent, "◆", "mark")}
        {marker(props.cursorEvent, "▶", "cursor")}
      </div>
    </div>
  );
}

export function wholeTrace(overview: Overview): TimeSpan {
  if (!overview.firstTs || !overview.lastTs) return { from: 0, to: 1 };
  return { from: 0, to: Math.max(1, relative(BigInt(overview.firstTs), overview.lastTs) + 1) };
}
