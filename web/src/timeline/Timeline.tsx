/**
 * The lanes: one column per actor, one row per event (time flows down, as in
 * the seeds' CPU diagrams). A listbox: Tab focuses it, arrow keys move the
 * cursor, Home/End jump, a click puts the cursor on a row. Only the rows in
 * view are in the DOM, so real logs of thousands of events stay quick.
 * Blocked spans are hatched and labelled "waiting"; findings carry ⚠ and text.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactElement } from "react";
import { formatArgs, spanAt, stepPoint, type Row, type TimelineModel, type OrderMode } from "./model.ts";

const ROW_HEIGHT = 52; // px; matches .tl-row in styles.css
const OVERSCAN = 8;

function rowLabel(row: Row, laneLabel: string, names: ReadonlyMap<string, string>, waiting: readonly string[], byCpu: boolean): string {
  const e = row.event;
  const parts = [`Step ${e.seq}: ${byCpu ? `${row.who} on ${laneLabel}` : laneLabel}, ${e.type} ${formatArgs(e.data, names)}`.trim()];
  if (row.deferred) {
    parts.push(
      row.deferred.appliedAfterSeq === null
        ? `waited (${row.deferred.waitedFor}), never applied`
        : `waited (${row.deferred.waitedFor}), applied after step ${row.deferred.appliedAfterSeq}`,
    );
  }
  if (row.released.length > 0) parts.push(`releases steps ${row.released.join(", ")}`);
  for (const f of row.findings) parts.push(`finding: bug, ${f.effect}`);
  if (row.undecided !== null) parts.push(`undecided: ${row.undecided}`);
  if (e.observation) parts.push("observation");
  if (waiting.length > 0) parts.push(`${waiting.join(", ")} waiting`);
  return parts.join("; ");
}

export function Timeline(props: {
  model: TimelineModel;
  cursor: number;
  mark: number | null;
  names: ReadonlyMap<string, string>;
  docs: ReadonlyMap<string, string>;
  order: OrderMode;
  rulesLabel: string;
  onCursor: (point: number) => void;
}) {
  const { model, cursor, mark, names, docs } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const total = model.rows.length + 1; // + the start row

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    const measure = () => setViewport(el.clientHeight || 600);
    measure();
    const ro = typeof ResizeObserver === "function" ? new ResizeObserver(measure) : null;
    ro?.observe(el);
    return () => ro?.disconnect();
  }, []);

  // Rows of the cursor: display index + 1 (0 is the start row).
  const cursorRows = useMemo(() => {
    if (cursor === 0) return [0];
    const out: number[] = [];
    model.rows.forEach((r, i) => {
      if (r.point === cursor) out.push(i + 1);
    });
    return out;
  }, [model, cursor]);
  const activeRow = cursorRows[cursorRows.length - 1] ?? 0;

  // Keep the cursor in view.
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const top = (cursorRows[0] ?? 0) * ROW_HEIGHT;
    const bottom = (activeRow + 1) * ROW_HEIGHT + ROW_HEIGHT; // + the sticky header
    if (top < el.scrollTop) el.scrollTop = top;
    else if (bottom > el.scrollTop + el.clientHeight) el.scrollTop = Math.max(0, bottom - el.clientHeight);
  }, [cursorRows, activeRow]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const lastRow = Math.min(total - 1, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    let next: number | null = null;
    switch (e.key) {
      case "ArrowDown":
      case "ArrowRight":
        next = stepPoint(model, cursor, +1);
        break;
      case "ArrowUp":
      case "ArrowLeft":
        next = stepPoint(model, cursor, -1);
        break;
      case "PageDown":
        next = stepPoint(model, cursor, +10);
        break;
      case "PageUp":
        next = stepPoint(model, cursor, -10);
        break;
      case "Home":
        next = model.points[0] ?? 0;
        break;
      case "End":
        next = model.points[model.points.length - 1] ?? 0;
        break;
      default:
        return;
    }
    e.preventDefault();
    if (next !== cursor) props.onCursor(next);
  };

  const columns = `var(--step-col) repeat(${Math.max(1, model.lanes.length)}, minmax(var(--lane-min), 1fr))`;
  const rendered: ReactElement[] = [];
  for (let i = first; i <= lastRow; i++) {
    const isCursor = cursorRows.includes(i);
    if (i === 0) {
      rendered.push(
        <div
          key="start"
          id="tl-row-start"
          role="option"
          aria-selected={isCursor}
          aria-posinset={1}
          aria-setsize={total}
          aria-label="Start: the state before the first event"
          className={`tl-row tl-start${isCursor ? " cursor" : ""}${mark === 0 ? " marked" : ""}`}
          style={{ gridTemplateColumns: columns, top: 0 }}
          onClick={() => props.onCursor(0)}
        >
          <div className="tl-step">
            {isCursor ? <span className="cursor-mark" aria-hidden="true">▶</span> : null}
            {mark === 0 ? <span className="mark-mark" aria-hidden="true">◆</span> : null}
            start
          </div>
          <div className="tl-start-text" style={{ gridColumn: `2 / span ${Math.max(1, model.lanes.length)}` }}>
            initial state (before step #1)
          </div>
        </div>,
      );
      continue;
    }
    const ri = i - 1;
    const row = model.rows[ri]!;
    const e = row.event;
    const waiting: string[] = [];
    const cells = model.lanes.map((lane, li) => {
      if (li === row.lane) {
        const span = spanAt(model, li, ri);
        const cls = ["tl-event"];
        if (row.findings.length > 0) cls.push("has-finding");
        if (row.deferred) cls.push("deferred");
        if (span && !row.deferred) cls.push("in-span");
        if (e.observation) cls.push("observation");
        const args = formatArgs(e.data, names);
        return (
          <div key={lane.key} className={`tl-cell${span ? " blocked" : ""}`}>
            <div className={cls.join(" ")} title={`${e.type} ${args}\n${docs.get(e.type) ?? ""}`}>
              <div className="ev-head">
                {row.findings.length > 0 ? (
                  <span className="badge bug">
                    <span aria-hidden="true">⚠</span> BUG
                  </span>
                ) : null}
                {row.undecided !== null ? (
                  <span className="badge undecided" title={row.undecided}>
                    <span aria-hidden="true">?</span> undecided
                  </span>
                ) : null}
                {model.mode === "cpu" ? <span className="ev-who">{row.who}</span> : null}
                <span className="ev-type">{e.type}</span>
                {row.deferred ? (
                  <span className="badge wait">
                    <span aria-hidden="true">‖</span>{" "}
                    {row.deferred.appliedAfterSeq === null ? "never applied" : props.order === "applied" ? `moved: after #${row.deferred.appliedAfterSeq}` : `waits until #${row.deferred.appliedAfterSeq}`}
                  </span>
                ) : null}
                {row.released.length > 0 ? (
                  <span className="badge release">
                    <span aria-hidden="true">↳</span> releases #{row.released.join(", #")}
                  </span>
                ) : null}
              </div>
              <div className="ev-args">{args || "\u00a0"}</div>
            </div>
          </div>
        );
      }
      const span = spanAt(model, li, ri);
      if (span) {
        const who = lane.label;
        waiting.push(who);
        return (
          <div key={lane.key} className="tl-cell blocked" title={`waiting: ${span.waitedFor}`}>
            {span.fromRow === ri ? (
              <span className="wait-label">
                <span aria-hidden="true">‖</span> waiting: {span.waitedFor}
              </span>
            ) : (
              <span className="wait-label continued">
                <span aria-hidden="true">‖</span> waiting
              </span>
            )}
          </div>
        );
      }
      return <div key={lane.key} className="tl-cell" />;
    });
    const label = rowLabel(row, model.lanes[row.lane]?.label ?? "", names, waiting, model.mode === "cpu");
    rendered.push(
      <div
        key={`e${e.seq}`}
        id={`tl-row-${e.seq}`}
        role="option"
        aria-selected={isCursor}
        aria-posinset={i + 1}
        aria-setsize={total}
        aria-label={label}
        data-seq={e.seq}
        data-point={row.point}
        className={`tl-row${isCursor ? " cursor" : ""}${mark !== null && row.point === mark ? " marked" : ""}${row.findings.length ? " finding-row" : ""}`}
        style={{ gridTemplateColumns: columns, top: i * ROW_HEIGHT }}
        onClick={() => props.onCursor(row.point)}
      >
        <div className="tl-step">
          {isCursor ? <span className="cursor-mark" aria-hidden="true">▶</span> : null}
          {mark !== null && row.point === mark ? <span className="mark-mark" aria-hidden="true">◆</span> : null}#{e.seq}
          {e.origin.line !== null ? <span className="line-no">L{e.origin.line}</span> : null}
        </div>
        {cells}
      </div>,
    );
  }

  const activeId = activeRow === 0 ? "tl-row-start" : `tl-row-${model.rows[activeRow - 1]?.event.seq}`;
  return (
    <div className="timeline">
      <div
        className="tl-scroller"
        ref={scroller}
        onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
      >
        <div className="tl-lanes" style={{ gridTemplateColumns: columns }} aria-hidden="true">
          <div className="tl-step tl-head">step</div>
          {model.lanes.map((l) => (
            <div key={l.key} className="tl-head" title={`${l.label}${l.detail ? ` · ${l.detail}` : ""}`}>
              <div className="lane-label">{l.label}</div>
              {l.detail ? <div className="lane-detail">{l.detail}</div> : null}
            </div>
          ))}
        </div>
        <div
          className="tl-body"
          role="listbox"
          tabIndex={0}
          aria-label={`Timeline, ${model.rows.length} events in ${props.order} order under ${props.rulesLabel}; lanes: ${model.lanes.map((l) => l.label).join(", ")}. Arrow keys move the cursor.`}
          aria-activedescendant={activeId}
          onKeyDown={onKey}
          style={{ height: total * ROW_HEIGHT }}
          data-testid="timeline"
        >
          {rendered}
        </div>
      </div>
      <CursorDetail model={model} cursor={cursor} names={names} docs={docs} />
    </div>
  );
}

/** The event(s) at the cursor, in full (rows only show what fits). */
function CursorDetail(props: { model: TimelineModel; cursor: number; names: ReadonlyMap<string, string>; docs: ReadonlyMap<string, string> }) {
  const rows = props.model.rows.filter((r) => r.point === props.cursor);
  if (props.cursor === 0 || rows.length === 0) return <p className="cursor-detail muted">The cursor is before the first event: the state is the initial one.</p>;
  return (
    <div className="cursor-detail" data-testid="cursor-detail">
      {rows.map((r) => (
        <div key={r.event.seq} className="detail-event">
          <p>
            <strong>
              #{r.event.seq} {props.model.lanes[r.lane]?.label}
            </strong>{" "}
            <code>
              {r.event.type} {formatArgs(r.event.data, props.names)}
            </code>
          </p>
          <p className="muted">
            {props.docs.get(r.event.type) ?? ""}
            {r.event.origin.line !== null ? ` · line ${r.event.origin.line}` : ""}
            {r.event.origin.cpu !== null ? ` · CPU ${r.event.origin.cpu}` : ""}
            {r.event.origin.ts ? ` · ${r.event.origin.ts} ns` : ""}
            {r.event.chain ? ` · chain ${r.event.chain.kind} #${r.event.chain.id}` : ""}
          </p>
          {r.deferred ? (
            <p>
              <span aria-hidden="true">‖ </span>Waited: {r.deferred.waitedFor}; {r.deferred.appliedAfterSeq === null ? "never applied." : `applied after step #${r.deferred.appliedAfterSeq}.`}
            </p>
          ) : null}
          {r.undecided !== null ? (
            <p>
              <span aria-hidden="true">? </span>Undecided: {r.undecided}
            </p>
          ) : null}
          {r.findings.map((f, i) => (
            <p key={i} className="finding-text">
              <span aria-hidden="true">⚠ </span>
              <strong>Bug ({f.effect}):</strong> {f.message}
            </p>
          ))}
        </div>
      ))}
    </div>
  );
}
