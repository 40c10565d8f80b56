/**
 * The *be the scheduler* answer: the steps of every actor in one list, drawn
 * in the actor's column (the seeds' two-column diagram), to be put in order
 * by dragging (mouse or touch, by the ⠿ handle) or with the keyboard: focus a
 * step, Space picks it up, ↑/↓ move it, Space drops it, Escape puts it back;
 * Alt+↑/↓ moves it at once; the ▲/▼ buttons do the same.
 */
import { useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import type { Program } from "../types.ts";
import { moveStep, type ScheduleStep } from "./schedule.ts";

export function Scheduler(props: { programs: readonly Program[]; value: ScheduleStep[]; onChange: (list: ScheduleStep[]) => void; disabled?: boolean }) {
  const { programs, value } = props;
  const [grabbed, setGrabbed] = useState<{ id: string; original: ScheduleStep[] } | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const [announce, setAnnounce] = useState("");
  const items = useRef(new Map<string, HTMLLIElement>());
  const actorIndex = new Map(programs.map((p, i) => [p.actor, i]));
  const columns = Math.max(1, programs.length);
  // Up to three actors: one column each (the seeds' diagrams). More: one list, each actor indented.
  const inColumns = programs.length <= 3;
  const grid = { gridTemplateColumns: `3rem repeat(${columns}, minmax(0, 1fr))` };

  const move = (from: number, to: number, how: string) => {
    if (to < 0 || to >= value.length || from === to) return;
    const r = moveStep(value, from, to);
    props.onChange(r.list);
    const s = value[from]!;
    setAnnounce(r.clamped ?? `${s.id} ${how}: now at position ${r.index + 1} of ${value.length}`);
    // Keep focus on the moved step.
    requestAnimationFrame(() => items.current.get(s.id)?.focus());
  };

  const onKey = (e: KeyboardEvent<HTMLLIElement>, index: number) => {
    if (props.disabled) return;
    const s = value[index]!;
    if (e.key === " " || e.key === "Enter") {
      e.preventDefault();
      if (grabbed?.id === s.id) {
        setGrabbed(null);
        setAnnounce(`${s.id} dropped at position ${index + 1}`);
      } else {
        setGrabbed({ id: s.id, original: value });
        setAnnounce(`${s.id} picked up at position ${index + 1}. Arrow keys move it, Space drops it, Escape cancels.`);
      }
      return;
    }
    if (e.key === "Escape" && grabbed) {
      e.preventDefault();
      props.onChange(grabbed.original);
      setAnnounce(`${grabbed.id} put back`);
      setGrabbed(null);
      return;
    }
    if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      const delta = e.key === "ArrowUp" ? -1 : 1;
      if (grabbed?.id === s.id || e.altKey) {
        e.preventDefault();
        move(index, index + delta, delta < 0 ? "moved up" : "moved down");
      } else {
        e.preventDefault();
        const next = value[index + delta];
        if (next) items.current.get(next.id)?.focus();
      }
    }
  };

  // Pointer dragging: the step follows the pointer past its neighbours' middles.
  const onPointerDown = (e: PointerEvent<HTMLSpanElement>, id: string) => {
    if (props.disabled || e.button !== 0) return;
    e.preventDefault();
    (e.target as HTMLElement).setPointerCapture(e.pointerId);
    setDragging(id);
  };
  const onPointerMove = (e: PointerEvent<HTMLSpanElement>, id: string) => {
    if (dragging !== id) return;
    const from = value.findIndex((s) => s.id === id);
    if (from < 0) return;
    let to = from;
    // Past the middle of the step above or below: take its place.
    for (let i = from - 1; i >= 0; i--) {
      const r = items.current.get(value[i]!.id)?.getBoundingClientRect();
      if (r && e.clientY < r.top + r.height / 2) to = i;
      else break;
    }
    for (let i = from + 1; i < value.length; i++) {
      const r = items.current.get(value[i]!.id)?.getBoundingClientRect();
      if (r && e.clientY > r.top + r.height / 2) to = i;
      else break;
    }
    if (to !== from) {
      const r = moveStep(value, from, to);
      if (r.index !== from) props.onChange(r.list);
      if (r.clamped) setAnnounce(r.clamped);
    }
  };
  const onPointerUp = (id: string) => {
    if (dragging !== id) return;
    setDragging(null);
    const at = value.findIndex((s) => s.id === id);
    setAnnounce(`${id} dropped at position ${at + 1}`);
  };

  return (
    <div className="scheduler">
      <div className={`sched-head${inColumns ? " in-columns" : ""}`} style={inColumns ? grid : undefined} aria-hidden="true">
        {inColumns ? <span /> : null}
        {programs.map((p) => (
          <span key={p.actor} className={`actor-col actor-${actorIndex.get(p.actor)! % 6}`}>
            {p.actor} · {p.comm ?? "task"}
            {p.role ? ` (${p.role})` : ""}
          </span>
        ))}
      </div>
      <p id="sched-help" className="muted small">
        Drag a step by its <span aria-hidden="true">⠿</span> handle, or focus it and press Space to pick it up, ↑/↓ to move, Space to drop (Alt+↑/↓ moves at once). An actor's steps keep their order.
      </p>
      <ol className="sched-list" aria-label="Your schedule, first step first" aria-describedby="sched-help" data-testid="schedule">
        {value.map((s, i) => {
          const col = actorIndex.get(s.actor) ?? 0;
          return (
            <li
              key={s.id}
              ref={(el) => {
                if (el) items.current.set(s.id, el);
                else items.current.delete(s.id);
              }}
              tabIndex={0}
              className={`sched-item actor-${col % 6}${grabbed?.id === s.id ? " grabbed" : ""}${dragging === s.id ? " dragging" : ""}`}
              style={grid}
              aria-label={`Position ${i + 1}: ${s.text}${grabbed?.id === s.id ? " (picked up)" : ""}`}
              data-step={s.id}
              onKeyDown={(e) => onKey(e, i)}
            >
              <span className="sched-pos">{i + 1}</span>
              <div
                className={`sched-card${inColumns ? " in-column" : ""}`}
                style={inColumns ? { gridColumn: `${col + 2} / span 1`, ["--indent" as string]: col } : { gridColumn: "2 / -1", ["--indent" as string]: col }}
              >
                <span
                  className="drag-handle"
                  aria-hidden="true"
                  data-testid={`handle-${s.id}`}
                  onPointerDown={(e) => onPointerDown(e, s.id)}
                  onPointerMove={(e) => onPointerMove(e, s.id)}
                  onPointerUp={() => onPointerUp(s.id)}
                  onPointerCancel={() => onPointerUp(s.id)}
                >
                  ⠿
                </span>
                <span className="sched-text">
                  <strong>{s.id}</strong> {s.text.replace(/^\S+\s+/, "")}
                </span>
                <span className="sched-buttons">
                  <button type="button" tabIndex={-1} aria-label={`Move ${s.id} up`} disabled={props.disabled || i === 0} onClick={() => move(i, i - 1, "moved up")}>
                    ▲
                  </button>
                  <button type="button" tabIndex={-1} aria-label={`Move ${s.id} down`} disabled={props.disabled || i === value.length - 1} onClick={() => move(i, i + 1, "moved down")}>
                    ▼
                  </button>
                </span>
              </div>
            </li>
          );
        })}
      </ol>
      <p className="visually-hidden" role="status" aria-live="assertive">
        {announce}
      </p>
      {announce ? <p className="muted small" aria-hidden="true">{announce}</p> : null}
      <p className="muted small">
        Schedule: <code data-testid="schedule-text">{value.map((s) => s.actor).join(" ")}</code>
      </p>
    </div>
  );
}
