/** What changed between the diff mark and the cursor (`diff(from, to)`). */
import { address } from "../timeline/model.ts";
import type { StateDiff } from "../types.ts";

function show(v: unknown, names: ReadonlyMap<string, string>): string {
  if (v === undefined || v === null) return "—";
  if (typeof v === "string") return /^[0-9]{6,}$/.test(v) ? address(v, names) : v;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return String(v);
  return JSON.stringify(v);
}

/** `blockGroups[44723863552].ro` → `blockGroups[X (0xa69c00000)].ro`. */
function showPath(p: string, names: ReadonlyMap<string, string>): string {
  return p.replace(/\[([0-9]{6,})\]/g, (_m, n: string) => `[${address(n, names)}]`);
}

export function DiffPanel(props: { diff: StateDiff | null; loading: boolean; error: string | null; mark: number | null; cursor: number; names: ReadonlyMap<string, string> }) {
  const { diff, mark, cursor, names } = props;
  const pos = (n: number) => (n === 0 ? "start" : `#${n}`);
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
      ) : diff.changes.length === 0 ? (
        <p>No change between {pos(diff.from)} and {pos(diff.to)}.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="diff-table">
            <caption className="visually-hidden">
              State changes from {pos(diff.from)} to {pos(diff.to)}
            </caption>
            <thead>
              <tr>
                <th scope="col">What</th>
                <th scope="col">Before ({pos(diff.from)})</th>
                <th scope="col">After ({pos(diff.to)})</th>
              </tr>
            </thead>
            <tbody>
              {diff.changes.map((c, i) => (
                <tr key={i}>
                  <th scope="row">
                    <code>{showPath(c.path, names)}</code>
                  </th>
                  <td>{show(c.before, names)}</td>
                  <td>{show(c.after, names)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
