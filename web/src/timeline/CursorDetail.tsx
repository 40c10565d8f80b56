/**
 * The event at the cursor, in full (a card only shows what fits): what it
 * means, where it was recorded (CPU, time, its source line as the log printed
 * it), what the rules changed at it, and the events its processing released.
 */
import type { TraceEvent } from "../types.ts";
import { CHANGE_BADGE, formatArgs, type Annotations } from "./model.ts";

export function CursorDetail(props: {
  cursor: number;
  event: TraceEvent | null;
  notes: Annotations;
  names: ReadonlyMap<string, string>;
  docs: ReadonlyMap<string, string>;
  who: (e: TraceEvent) => string;
}) {
  const { cursor, event: e, notes } = props;
  if (cursor === 0) return <p className="cursor-detail muted">The cursor is before the first event: the state is the initial one.</p>;
  if (!e) return <p className="cursor-detail muted" aria-busy="true">Reading event #{cursor}…</p>;
  const changes = notes.changes.get(e.seq) ?? [];
  const released = notes.released.get(e.seq) ?? [];
  const deferred = notes.deferred.get(e.seq);
  return (
    <div className="cursor-detail" data-testid="cursor-detail">
      <p>
        <strong>
          #{e.seq} {props.who(e)}
        </strong>{" "}
        <code>
          {e.type} {formatArgs(e.data, props.names)}
        </code>
      </p>
      <p className="muted">
        {props.docs.get(e.type) ?? ""}
        {e.origin.cpu !== null ? ` · CPU ${e.origin.cpu}` : ""}
        {e.origin.time !== null ? ` · ${e.origin.time} s` : ""}
        {e.chain ? ` · chain ${e.chain.kind} #${e.chain.id}` : ""}
      </p>
      {e.source ? (
        <p className="source-line" data-testid="source-line">
          <span className="muted">Line {e.source.line}:</span> <code>{e.source.text.trim()}</code>
        </p>
      ) : e.origin.line !== null ? (
        <p className="muted small">Line {e.origin.line} (its text was not stored with this trace).</p>
      ) : null}
      {deferred && !changes.some((c) => c.kind === "waited") ? (
        <p>
          <span aria-hidden="true">‖ </span>Waited: {deferred.waitedFor}; {deferred.appliedAfterSeq === null ? "never applied." : `applied after step #${deferred.appliedAfterSeq}.`}
        </p>
      ) : null}
      {changes.length > 0 ? (
        <ul className="plain rule-changes" data-testid="rule-changes" aria-label="What the rules changed here">
          {changes.map((c, i) => (
            <li key={i} className={`fact ${c.kind}`}>
              <span aria-hidden="true">{CHANGE_BADGE[c.kind]?.icon ?? "•"} </span>
              <strong>{CHANGE_BADGE[c.kind]?.word ?? c.kind}:</strong> {c.text}
            </li>
          ))}
        </ul>
      ) : null}
      {released.length > 0 ? (
        <div>
          <p>
            <span aria-hidden="true">↳ </span>Its processing released #{released.join(", #")}:
          </p>
          <ul className="plain rule-changes">
            {released.flatMap((s) =>
              (notes.changes.get(s) ?? [])
                .filter((c) => c.kind !== "waited")
                .map((c, i) => (
                  <li key={`${s}-${i}`} className={`fact ${c.kind}`}>
                    #{s} <strong>{CHANGE_BADGE[c.kind]?.word ?? c.kind}:</strong> {c.text}
                  </li>
                )),
            )}
          </ul>
        </div>
      ) : null}
      {(notes.undecided.get(e.seq) ?? null) !== null ? (
        <p>
          <span aria-hidden="true">? </span>Undecided: {notes.undecided.get(e.seq)}
        </p>
      ) : null}
      {(notes.findings.get(e.seq) ?? []).map((f, i) => (
        <p key={i} className="finding-text">
          <span aria-hidden="true">⚠ </span>
          <strong>Bug ({f.effect}):</strong> {f.message}
        </p>
      ))}
    </div>
  );
}
