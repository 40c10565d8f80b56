/**
 * What changed between the diff mark and the cursor (`diff(from, to)`), one
 * field per entry: the path, then `before → after`, in the number format of
 * every other view (src/projections/change-text.ts, which `racelab diff`
 * prints with too). Stacked rather than in columns, so that it fits the side
 * panel at 1366 px whatever the values.
 */
import { fieldChanges } from "../../../src/projections/change-text.ts";
import type { StateDiff } from "../types.ts";

export function DiffPanel(props: { diff: StateDiff | null; loading: boolean; error: string | null; mark: number | null; cursor: number; names: ReadonlyMap<string, string> }) {
  const { diff, mark, cursor, names } = props;
  const pos = (n: number) => (n === 0 ? "start" : `#${n}`);
  const fields = diff ? fieldChanges(diff.changes, names) : [];
  return (
    <section className="panel diff-panel" aria-labelledby="diff-title" aria-busy={props.loading} data-testid="diff-panel">
      <h2 id="diff-title">
        Diff{mark !== null ? ` ${pos(Math.min(mark, cursor))} → ${pos(Math.max(mark, cursor))}` : ""}
      </h2>
      {mark === null ? (
        <p className="muted">
          Put the cursor on a step and press <em>Mark for diff</em>, then move the cursor: this panel lists what changed in between.
        </p>
      ) : props.error ? (
        <p role="alert" className="error">
          <span aria-hidden="true">✖ </span>
          {props.error}
        </p>
      ) : !diff ? (
        <p aria-busy="true">Comparing…</p>
      ) : fields.length === 0 ? (
        <p>No change between {pos(diff.from)} and {pos(diff.to)}.</p>
      ) : (
        <dl className="diff-list" data-testid="diff-table" aria-label={`State changes from ${pos(diff.from)} to ${pos(diff.to)}`}>
          {fields.map((c, i) => (
            <div key={i} className="diff-entry">
              <dt>
                <code>{c.path}</code>
              </dt>
              <dd>
                <span className="diff-before" title={c.exact?.before ?? undefined}>
                  {c.before}
                </span>{" "}
                <span aria-label="becomes">→</span>{" "}
                <span className="diff-after" title={c.exact?.after ?? undefined}>
                  {c.after}
                </span>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
