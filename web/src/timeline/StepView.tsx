/**
 * The step view: one column per lane, one row per event (time flows down, as
 * in the seeds' CPU diagrams). A listbox: Tab focuses it, ↑/↓ move the
 * cursor, Home/End jump, n/N go to the next/previous search match, t/T to
 * the next/previous event of the cursor's task; a click puts the cursor on a
 * row. Only the rows in view are drawn and fetched (useWindows), so a trace
 * of a million events opens as fast as one of ten. Blocked spans are hatched
 * and labelled "waiting"; findings carry ⚠ BUG; what the rules changed is on
 * the card (not applied, skipped, pinned, allocation moved, …).
 */
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactElement } from "react";
import type { TraceEvent } from "../types.ts";
import { CHANGE_BADGE, formatArgs, rowOf, type Annotations, type BlockedSpan, type Lanes, type OrderMode, type Row } from "./model.ts";
import type { DisplayOrder } from "./order.ts";
import type { Windows } from "./useWindows.ts";

export const ROW_HEIGHT = 58; // px; matches --row-h in styles.css
const OVERSCAN = 10;

export interface StepNav {
  /** The cursor to a point (a seq; 0 = before the first event). */
  cursor(point: number): void;
  /** Next (+1) or previous (-1) search match from the cursor. */
  findMatch(dir: 1 | -1): void;
  /** Next (+1) or previous (-1) event of the cursor's task. */
  sameTask(dir: 1 | -1): void;
  /** The cursor to the last row (End). */
  end(): void;
}

function rowLabel(row: Row, laneLabel: string, names: ReadonlyMap<string, string>, waiting: readonly string[], byCpu: boolean, who: string): string {
  const e = row.event;
  const parts = [`Step ${e.seq}: ${byCpu ? `${who} on ${laneLabel}` : laneLabel}, ${e.type} ${formatArgs(e.data, names)}`.trim()];
  if (row.deferred) {
    parts.push(
      row.deferred.appliedAfterSeq === null
        ? `waited (${row.deferred.waitedFor}), never released`
        : `waited (${row.deferred.waitedFor}), released after step ${row.deferred.appliedAfterSeq}`,
    );
  }
  for (const c of row.changes) if (c.kind !== "waited") parts.push(CHANGE_BADGE[c.kind]?.word ?? c.kind);
  if (row.released.length > 0) parts.push(`releases steps ${row.released.join(", ")}`);
  for (const f of row.findings) parts.push(`finding: bug, ${f.effect}`);
  if (row.undecided !== null) parts.push(`undecided: ${row.undecided}`);
  if (e.observation) parts.push("observation");
  if (waiting.length > 0) parts.push(`${waiting.join(", ")} waiting`);
  return parts.join("; ");
}

export function StepView(props: {
  lanes: Lanes;
  order: DisplayOrder;
  orderMode: OrderMode;
  windows: Windows;
  notes: Annotations;
  spans: readonly BlockedSpan[];
  cursor: number;
  /** Display index of the cursor's last row (-1: the start row). */
  cursorIndex: number;
  mark: number | null;
  names: ReadonlyMap<string, string>;
  docs: ReadonlyMap<string, string>;
  who: (e: TraceEvent) => string;
  rulesLabel: string;
  /** Scroll this display index into view when `nonce` changes (go to, the bug row). */
  reveal: { index: number; nonce: number } | null;
  nav: StepNav;
  searching: boolean;
}) {
  const { lanes, order, windows, notes, cursor, mark, names, docs } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const total = order.length + 1; // + the start row

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    const measure = () => setViewport(el.clientHeight || 600);
    measure();
    const ro = typeof ResizeObserver === "function" ? new ResizeObserver(measure) : null;
    ro?.observe(el);
    return () => ro?.disconnect();
  }, []);

  /** Scrolls list row `li` (0 = start row) into the box, and the box's row into the window. */
  const bringIntoView = (li: number) => {
    const el = scroller.current;
    if (!el) return;
    const head = ROW_HEIGHT; // the sticky lane header
    const margin = 8; // px of the next row, so that the row is plainly whole
    const top = li * ROW_HEIGHT;
    const bottom = top + ROW_HEIGHT + head + margin;
    if (top < el.scrollTop) el.scrollTop = Math.max(0, top - margin);
    else if (bottom > el.scrollTop + el.clientHeight) el.scrollTop = Math.max(0, bottom - el.clientHeight);
    setScrollTop(el.scrollTop);
    // The row on the page: the box itself may be below the fold.
    const box = el.getBoundingClientRect();
    const rowTop = box.top + head + top - el.scrollTop;
    const rowBottom = rowTop + ROW_HEIGHT;
    if (rowBottom > window.innerHeight) window.scrollBy({ top: rowBottom - window.innerHeight + 8 });
    else if (rowTop < 0) window.scrollBy({ top: rowTop - 8 });
  };

  // Keep the cursor in view.
  useEffect(() => {
    bringIntoView(props.cursorIndex + 1);
  }, [props.cursorIndex]);
  useEffect(() => {
    if (props.reveal) bringIntoView(props.reveal.index + 1);
  }, [props.reveal?.nonce]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total - 1, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);

  // The rows in view, fetched by the offsets they show.
  const shown: { li: number; offset: number; moved: boolean }[] = [];
  for (let li = Math.max(1, first); li <= last; li++) {
    const r = order.at(li - 1);
    shown.push({ li, offset: r.offset, moved: r.kind === "moved" });
  }
  useEffect(() => {
    if (shown.length === 0) return;
    const offsets = shown.map((s) => s.offset);
    windows.want(Math.min(...offsets), Math.max(...offsets));
  });

  const rowAt = (li: number): Row | null => {
    const r = order.at(li - 1);
    const e = windows.event(r.offset);
    return e ? rowOf(e, li - 1, r.kind === "moved", lanes, notes, props.orderMode) : null;
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = (dir: 1 | -1, count = 1) => {
      // The next row whose point differs from the cursor's (rows released together share one).
      let li = props.cursorIndex + 1;
      let moves = 0;
      let target = cursor;
      for (let guard = 0; guard < 500; guard++) {
        li += dir;
        if (li < 0 || li >= total) break;
        if (li === 0) {
          target = 0;
          moves++;
        } else {
          const row = rowAt(li);
          if (!row) {
            windows.want(order.at(li - 1).offset, order.at(li - 1).offset);
            break;
          }
          if (row.point === target) continue;
          target = row.point;
          moves++;
        }
        if (moves >= count) break;
      }
      if (target !== cursor) props.nav.cursor(target);
    };
    switch (e.key) {
      case "ArrowDown":
      case "ArrowRight":
        step(1);
        break;
      case "ArrowUp":
      case "ArrowLeft":
        step(-1);
        break;
      case "PageDown":
        step(1, 10);
        break;
      case "PageUp":
        step(-1, 10);
        break;
      case "Home":
        props.nav.cursor(0);
        break;
      case "End":
        props.nav.end();
        break;
      case "n":
        props.nav.findMatch(1);
        break;
      case "N":
      case "p":
        props.nav.findMatch(-1);
        break;
      case "t":
        props.nav.sameTask(1);
        break;
      case "T":
        props.nav.sameTask(-1);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const laneCount = Math.max(1, lanes.lanes.length);
  const columns = `var(--step-col) repeat(${laneCount}, minmax(var(--lane-min), 1fr))`;
  const spanAt = (lane: number, index: number): BlockedSpan | null => {
    const pids = lanes.lanes[lane]?.pids ?? [];
    for (const s of props.spans) if (s.fromIndex <= index && index <= s.toIndex && pids.includes(s.pid)) return s;
    return null;
  };
  const rendered: ReactElement[] = [];
  const cursorRowSeqs: number[] = [];
  if (first === 0) {
    const isCursor = cursor === 0;
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
        onClick={() => props.nav.cursor(0)}
      >
        <div className="tl-step">
          {isCursor ? <span className="cursor-mark" aria-hidden="true">▶</span> : null}
          {mark === 0 ? <span className="mark-mark" aria-hidden="true">◆</span> : null}
          start
        </div>
        <div className="tl-start-text" style={{ gridColumn: `2 / span ${laneCount}` }}>
          initial state (before step #1)
        </div>
      </div>,
    );
  }
  for (const s of shown) {
    const li = s.li;
    const row = rowAt(li);
    if (!row) {
      rendered.push(
        <div key={`l${li}`} className="tl-row loading" style={{ gridTemplateColumns: columns, top: li * ROW_HEIGHT }} aria-hidden="true">
          <div className="tl-step muted">…</div>
        </div>,
      );
      continue;
    }
    const e = row.event;
    const isCursor = cursor !== 0 && row.point === cursor;
    if (isCursor) cursorRowSeqs.push(e.seq);
    const matched = props.searching && windows.matches(e.seq);
    const waiting: string[] = [];
    const cells = lanes.lanes.map((lane, li2) => {
      const span = spanAt(li2, row.index);
      if (li2 === row.lane) {
        const cls = ["tl-event"];
        if (row.findings.length > 0) cls.push("has-finding");
        if (row.deferred) cls.push("deferred");
        if (row.changes.some((c) => c.kind === "not_applied")) cls.push("not-applied");
        if (span && !row.deferred) cls.push("in-span");
        if (e.observation) cls.push("observation");
        if (matched) cls.push("match");
        const args = formatArgs(e.data, names);
        const facts = row.changes.filter((c) => c.kind !== "waited" && c.kind !== "note");
        const title = [
          `${e.type} ${args}`,
          docs.get(e.type) ?? "",
          e.source ? `line ${e.source.line}: ${e.source.text.trim()}` : "",
          ...row.changes.map((c) => c.text),
        ]
          .filter((x) => x)
          .join("\n");
        return (
          <div key={lane.key} className={`tl-cell${span ? " blocked" : ""}`}>
            <div className={cls.join(" ")} title={title}>
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
                {lanes.mode === "cpu" || lane.folded ? <span className="ev-who">{props.who(e)}</span> : null}
                <span className="ev-type">{e.type}</span>
                {matched ? <span className="visually-hidden"> (search match)</span> : null}
              </div>
              <div className="ev-args">{args || "\u00a0"}</div>
              {row.deferred || facts.length > 0 || row.released.length > 0 ? (
                <div className="ev-facts">
                  {row.deferred ? (
                    <span className="badge wait">
                      <span aria-hidden="true">‖</span>{" "}
                      {row.deferred.appliedAfterSeq === null
                        ? "never applied"
                        : props.orderMode === "applied"
                          ? `moved: after #${row.deferred.appliedAfterSeq}`
                          : `waits until #${row.deferred.appliedAfterSeq}`}
                    </span>
                  ) : null}
                  {facts.map((c, i) => (
                    <span key={i} className={`badge fact ${c.kind}`} title={c.text}>
                      <span aria-hidden="true">{CHANGE_BADGE[c.kind]?.icon ?? "•"}</span> {CHANGE_BADGE[c.kind]?.word ?? c.kind}
                    </span>
                  ))}
                  {row.released.length > 0 ? (
                    <span className="badge release">
                      <span aria-hidden="true">↳</span> releases #{row.released.join(", #")}
                    </span>
                  ) : null}
                </div>
              ) : null}
            </div>
          </div>
        );
      }
      if (span) {
        waiting.push(lane.label);
        return (
          <div key={lane.key} className="tl-cell blocked" title={`waiting: ${span.waitedFor}`}>
            {span.fromIndex === row.index ? (
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
    const label = rowLabel(row, lanes.lanes[row.lane]?.label ?? "", names, waiting, lanes.mode === "cpu", props.who(e));
    rendered.push(
      <div
        key={`e${e.seq}`}
        id={`tl-row-${e.seq}`}
        role="option"
        aria-selected={isCursor}
        aria-posinset={li + 1}
        aria-setsize={total}
        aria-label={label}
        data-seq={e.seq}
        data-point={row.point}
        className={`tl-row${isCursor ? " cursor" : ""}${mark !== null && row.point === mark ? " marked" : ""}${row.findings.length ? " finding-row" : ""}${matched ? " match-row" : ""}`}
        style={{ gridTemplateColumns: columns, top: li * ROW_HEIGHT }}
        onClick={() => props.nav.cursor(row.point)}
      >
        <div className="tl-step">
          <span>
            {isCursor ? <span className="cursor-mark" aria-hidden="true">▶</span> : null}
            {mark !== null && row.point === mark ? <span className="mark-mark" aria-hidden="true">◆</span> : null}#{e.seq}
          </span>
          {e.origin.line !== null ? <span className="line-no">L{e.origin.line}</span> : null}
          {e.origin.time !== null ? <span className="line-no">{e.origin.time}</span> : null}
        </div>
        {cells}
      </div>,
    );
  }

  const activeId = cursor === 0 ? "tl-row-start" : cursorRowSeqs.length > 0 ? `tl-row-${cursorRowSeqs[cursorRowSeqs.length - 1]}` : undefined;
  return (
    <div className="tl-scroller" ref={scroller} onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)} data-testid="step-scroller">
      <div className="tl-lanes" style={{ gridTemplateColumns: columns }} aria-hidden="true">
        <div className="tl-step tl-head">step</div>
        {lanes.lanes.map((l) => (
          <div key={l.key} className={`tl-head${l.folded ? " folded" : ""}`} title={`${l.label}${l.detail ? ` · ${l.detail}` : ""}`}>
            <div className="lane-label">{l.label}</div>
            {l.detail ? <div className="lane-detail">{l.detail}</div> : null}
          </div>
        ))}
      </div>
      <div
        className="tl-body"
        role="listbox"
        tabIndex={0}
        aria-label={`Timeline, ${order.length} events in ${props.orderMode} order under ${props.rulesLabel}; lanes: ${lanes.lanes.map((l) => l.label).join(", ")}. Arrow keys move the cursor; n and N go to the next and previous search match, t and T to the next and previous event of the cursor's task.`}
        aria-activedescendant={activeId}
        onKeyDown={onKey}
        style={{ height: total * ROW_HEIGHT }}
        data-testid="timeline"
      >
        {rendered}
      </div>
    </div>
  );
}
