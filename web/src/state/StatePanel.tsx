/**
 * The filesystem state at the cursor (`stateAt`): block groups with their
 * ro / removed / trimming flags, extent maps, pinned chunks, transactions,
 * mutex holders and the actors. Every flag is a word or a symbol with a word,
 * never a colour alone.
 */
import type { ReactNode } from "react";
import { address, CHANGE_BADGE, exactBytes, size, type Annotations, type ScenarioActor } from "../timeline/model.ts";
import type { BlockGroup, FsState } from "../types.ts";

/** A byte count for people, the exact count on hover. */
function Bytes(props: { value: string | null }) {
  return props.value === null ? <>?</> : <span title={exactBytes(props.value)}>{size(props.value)}</span>;
}

function yesNo(v: boolean): ReactNode {
  return v ? (
    <span className="flag yes">
      <span aria-hidden="true">●</span> yes
    </span>
  ) : (
    <span className="flag no">
      <span aria-hidden="true">○</span> no
    </span>
  );
}

function bgStatus(bg: BlockGroup): ReactNode {
  switch (bg.status) {
    case "ACTIVE":
      return (
        <span className="status active">
          <span aria-hidden="true">✓</span> active
        </span>
      );
    case "READ_ONLY":
      return (
        <span className="status ro">
          <span aria-hidden="true">◐</span> read-only
        </span>
      );
    case "REMOVED":
      return (
        <span className="status removed">
          <span aria-hidden="true">✖</span> removed
        </span>
      );
  }
}

/** A scenario's actor by its name; any other task as the server names it (`comm-pid`, `cpuN (unknown task)`). */
export function actorName(pid: number | null, actors: readonly ScenarioActor[], task?: string | null): string {
  if (pid === null) return "nobody";
  const a = actors.find((x) => x.pid === pid);
  return a ? `${a.name} (${a.comm ?? "task"} [${pid}])` : (task ?? `pid ${pid}`);
}

export function StatePanel(props: {
  state: FsState | null;
  loading: boolean;
  error: string | null;
  names: ReadonlyMap<string, string>;
  actors: readonly ScenarioActor[];
  cursor: number;
  notes: Annotations;
}) {
  const { state, names, actors, notes } = props;
  // What the rules changed at the cursor: its event, and those its processing released.
  const here = [props.cursor, ...(notes.released.get(props.cursor) ?? [])].flatMap((s) => (notes.changes.get(s) ?? []).map((c) => ({ ...c, seq: s })));
  const taskOf = (pid: number | null) => state?.actors.find((a) => a.pid === pid)?.task ?? null;
  return (
    <section className="panel state-panel" aria-labelledby="state-title" aria-busy={props.loading} data-testid="state-panel">
      <h2 id="state-title">
        State {props.cursor === 0 ? "before the first event" : `after step #${props.cursor}`}
        {props.loading ? <span className="muted"> · loading…</span> : null}
      </h2>
      {props.error ? (
        <p role="alert" className="error">
          <span aria-hidden="true">✖ </span>
          {props.error}
        </p>
      ) : null}
      {!state ? null : (
        <>
          {here.length > 0 ? (
            <>
              <h3>What the rules changed here</h3>
              <ul className="plain rule-changes" data-testid="state-rule-changes">
                {here.map((c, i) => (
                  <li key={i} className={`fact ${c.kind}`}>
                    <span aria-hidden="true">{CHANGE_BADGE[c.kind]?.icon ?? "•"} </span>#{c.seq} <strong>{CHANGE_BADGE[c.kind]?.word ?? c.kind}:</strong> {c.text}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <h3>Block groups</h3>
          {state.blockGroups.length === 0 ? (
            <p className="muted">none known yet</p>
          ) : (
            <ul className="cards" data-testid="block-groups">
              {state.blockGroups.map((bg) => (
                <li key={bg.start} className="card" data-bg={bg.start}>
                  <p className="card-title">
                    <code>{address(bg.start, names)}</code> {bgStatus(bg)}
                    <span className="muted small">
                      {" "}
                      · {bg.length ? <Bytes value={bg.length} /> : "length ?"} · {bg.flags.length ? bg.flags.join("|") : "type unknown"}
                    </span>
                  </p>
                  <dl className="pairs">
                    <div>
                      <dt>ro count</dt>
                      <dd>{bg.roCount}</dd>
                    </div>
                    <div>
                      <dt>removed flag</dt>
                      <dd>{yesNo(bg.removed)}</dd>
                    </div>
                    <div>
                      <dt>trimming</dt>
                      <dd>{bg.trimming > 0 ? <span className="flag yes"><span aria-hidden="true">✂</span> {bg.trimming}</span> : <span className="flag no">0</span>}</dd>
                    </div>
                    <div>
                      <dt>in cache tree</dt>
                      <dd>{yesNo(bg.inCacheTree)}</dd>
                    </div>
                    <div>
                      <dt>item inserted</dt>
                      <dd>{yesNo(bg.itemInserted)}</dd>
                    </div>
                    <div>
                      <dt>dirty</dt>
                      <dd>{yesNo(bg.dirty)}</dd>
                    </div>
                    <div>
                      <dt>used</dt>
                      <dd>
                        <Bytes value={bg.used} />
                      </dd>
                    </div>
                    {bg.newBgOf !== null ? (
                      <div>
                        <dt>new, insert pending</dt>
                        <dd>{actorName(bg.newBgOf, actors, taskOf(bg.newBgOf))}</dd>
                      </div>
                    ) : null}
                  </dl>
                </li>
              ))}
            </ul>
          )}

          <h3>Extent maps (chunk mappings)</h3>
          {state.extentMaps.length === 0 ? (
            <p className="muted">none</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="extent-maps">
                <thead>
                  <tr>
                    <th scope="col">Chunk</th>
                    <th scope="col">In mapping tree</th>
                    <th scope="col">Pinned</th>
                    <th scope="col">Stripes · device ranges</th>
                  </tr>
                </thead>
                <tbody>
                  {state.extentMaps.map((m) => (
                    <tr key={m.start}>
                      <th scope="row">
                        {address(m.start, names)}
                        <div className="muted small">
                          {m.length ? <Bytes value={m.length} /> : "length ?"} · {m.type.length ? m.type.join("|") : "type unknown"}
                        </div>
                      </th>
                      <td>{yesNo(m.inTree)}</td>
                      <td>{m.pinned ? <span className="flag yes"><span aria-hidden="true">⚑</span> pinned</span> : <span className="flag no">no</span>}</td>
                      <td className="small">
                        {m.stripes
                          ? m.stripes.map((s) => `dev ${s.devid} @ ${address(s.physical, names)}`).join(", ")
                          : m.stripeCount !== null
                            ? `${m.stripeCount} stripe${m.stripeCount === 1 ? "" : "s"}, devices unknown`
                            : "stripes unknown"}
                        {m.devRanges.length > 0 ? <> · {m.devRanges.map((r) => `dev ${r.devid} [${address(r.physical, names)}, ${address(r.end, names)})`).join("; ")}</> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}

          <h3>Pinned chunks</h3>
          <p data-testid="pinned-chunks">{state.pinnedChunks.length === 0 ? <span className="muted">none</span> : state.pinnedChunks.map((c) => address(c, names)).join(", ")}</p>

          <h3>Mutexes</h3>
          <ul className="plain" data-testid="mutexes">
            {state.mutexes.length === 0 ? <li className="muted">none taken yet</li> : null}
            {state.mutexes.map((m) => (
              <li key={m.name}>
                <code>{m.name}</code>: {m.holder === null ? <span className="muted">free</span> : <>held by <strong>{actorName(m.holder, actors, taskOf(m.holder))}</strong></>}
                {m.waiters.length > 0 ? <> · waiting: {m.waiters.map((w) => actorName(w, actors, taskOf(w))).join(", ")}</> : null}
              </li>
            ))}
          </ul>

          <h3>Transactions</h3>
          <ul className="plain" data-testid="transactions">
            {state.transactions.map((t, i) => (
              <li key={i}>
                {t.commits} commit{t.commits === 1 ? "" : "s"} done{t.lastGen !== null ? ` (last generation ${t.lastGen})` : ""}; running transaction #{t.commits + 1} ({t.state})
                {t.dirtyBlockGroups.length > 0 ? <>; dirty block groups: {t.dirtyBlockGroups.map((b) => address(b, names)).join(", ")}</> : null}
                {t.newBlockGroups.map((n) => (
                  <span key={n.pid}>
                    ; new block groups of {actorName(n.pid, actors, taskOf(n.pid))}: {n.blockGroups.map((b) => address(b, names)).join(", ")}
                  </span>
                ))}
              </li>
            ))}
          </ul>

          <h3>Actors</h3>
          <ul className="plain" data-testid="actors">
            {state.actors.map((a) => (
              <li key={a.pid}>
                {actorName(a.pid, actors, a.task)}:{" "}
                {a.status === "BLOCKED" ? (
                  <strong className="status blocked">
                    <span aria-hidden="true">‖</span> blocked{a.blockedOn ? ` on ${a.blockedOn}` : ""}
                  </strong>
                ) : (
                  <span className="status running">
                    <span aria-hidden="true">▷</span> running
                  </span>
                )}
                {a.phase !== "none" ? ` · commit phase ${a.phase}` : ""}
                {a.discard ? <> · discard in flight: dev {a.discard.devid ?? "?"} {address(a.discard.physical, names)} +<Bytes value={a.discard.len} /></> : ""}
              </li>
            ))}
          </ul>

          <h3>Findings so far</h3>
          {state.findings.length === 0 ? (
            <p className="muted">
              <span aria-hidden="true">✔ </span>none
            </p>
          ) : (
            <ul className="plain">
              {state.findings.map((f, i) => (
                <li key={i} className="finding-text">
                  <span aria-hidden="true">⚠ </span>
                  <strong>
                    Bug at #{f.seq} ({f.effect}):
                  </strong>{" "}
                  {f.message}
                </li>
              ))}
            </ul>
          )}

          {state.devExtents.length > 0 ? (
            <details>
              <summary>Device extents ({state.devExtents.length})</summary>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Device</th>
                      <th scope="col">Physical</th>
                      <th scope="col">Chunk</th>
                      <th scope="col">Deleted</th>
                      <th scope="col">In commit root</th>
                    </tr>
                  </thead>
                  <tbody>
                    {state.devExtents.map((d) => (
                      <tr key={`${d.devid}:${d.physical}`}>
                        <td>{d.devid}</td>
                        <td>
                          {address(d.physical, names)}
                          {d.length ? <> +<Bytes value={d.length} /></> : ""}
                        </td>
                        <td>{address(d.chunk, names)}</td>
                        <td>{d.deletedAt === null ? "live" : `after ${d.deletedAt} commit(s)`}</td>
                        <td>{yesNo(d.visibleInCommitRoot)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          ) : null}
        </>
      )}
    </section>
  );
}
