/**
 * The timeline as data (pure: no DOM, no fetch; test/web/model.test.ts runs
 * it): lanes from the trace's overview (one per task or per CPU, idle tasks
 * folded), what each row says (waits, findings, what the rules changed),
 * blocked spans, and the number format every view of the page uses.
 *
 * The cursor is a *processing point*: the seq of the last recorded event the
 * replay has processed (0 = before the first), which is what `stateAt(seq)`
 * and `diff(from, to)` take. An event deferred under the rules is applied
 * when the replay processes the event after which it was released
 * (`appliedAfterSeq`): in applied order it is shown there (order.ts), and
 * its processing point is that seq.
 */
import { payloadText } from "../../../src/events/describe.ts";
import { exactBytes, hex, size, timestamp } from "../../../src/events/units.ts";
import type { CheckResult, Finding, Overview, Reordering, RuleChange, TraceEvent } from "../types.ts";
import type { DisplayOrder } from "./order.ts";

export { exactBytes, hex, size, timestamp };

export type LaneMode = "task" | "cpu";
export type OrderMode = "recorded" | "applied";

export interface ScenarioActor {
  readonly name: string;
  readonly pid: number;
  readonly comm: string | null;
  readonly role: string | null;
  readonly cpu: number | null;
}

export interface Lane {
  readonly key: string;
  /** e.g. `A · btrfs [17451]`, `btrfs-cleaner-206` or `CPU 1`. */
  readonly label: string;
  /** e.g. `balance · CPU 0`. */
  readonly detail: string;
  /** The tasks (pids) drawn in it; several for a CPU lane or the folded idle lane. */
  readonly pids: readonly number[];
  /** The CPU of a CPU lane. */
  readonly cpu: number | null;
  /** The lane of the folded idle tasks. */
  readonly folded: boolean;
}

export interface Lanes {
  readonly mode: LaneMode;
  readonly lanes: readonly Lane[];
  /** The lane of an event. */
  laneOf(e: { readonly origin: { readonly pid: number; readonly cpu: number | null } }): number;
}

/** The actors a scenario trace declares (trace.meta.scenario.actors), if any. */
export function scenarioActors(meta: unknown): ScenarioActor[] {
  const actors = (meta as { scenario?: { actors?: unknown } } | null)?.scenario?.actors;
  if (!Array.isArray(actors)) return [];
  return actors.flatMap((a): ScenarioActor[] => {
    const o = a as Record<string, unknown>;
    if (typeof o.pid !== "number" || typeof o.name !== "string") return [];
    return [
      {
        name: o.name,
        pid: o.pid,
        comm: typeof o.comm === "string" ? o.comm : null,
        role: typeof o.role === "string" ? o.role : null,
        cpu: typeof o.cpu === "number" ? o.cpu : null,
      },
    ];
  });
}

/** Address names of a scenario trace (`let X = …`): decimal address → name. */
export function addressNames(meta: unknown): Map<string, string> {
  const names = (meta as { scenario?: { names?: unknown } } | null)?.scenario?.names;
  const out = new Map<string, string>();
  if (!Array.isArray(names)) return out;
  for (const pair of names) {
    if (Array.isArray(pair) && typeof pair[0] === "string" && typeof pair[1] === "string") out.set(pair[1], pair[0]);
  }
  return out;
}

/**
 * Lanes of a trace from its overview: declared actors first (a scenario's
 * columns), then tasks as they first appear; or one per CPU. With `fold`,
 * idle tasks — the kernel's idle task, and tasks given in `quiet` (no event
 * in view) — share one lane at the end.
 */
export function buildLanes(
  overview: Overview,
  mode: LaneMode,
  actors: readonly ScenarioActor[],
  opts: { readonly fold?: boolean; readonly quiet?: ReadonlySet<number> } = {},
): Lanes {
  const byPid = new Map(actors.map((a) => [a.pid, a]));
  const tasks = new Map(overview.tasks.map((t) => [t.pid, t]));
  const lanes: Lane[] = [];
  if (mode === "task") {
    const order = [...actors.map((a) => a.pid).filter((p) => tasks.has(p)), ...overview.tasks.map((t) => t.pid).filter((p) => !byPid.has(p))];
    const idle = (pid: number) => opts.fold === true && !byPid.has(pid) && (tasks.get(pid)!.idle || (opts.quiet?.has(pid) ?? false));
    const folded: number[] = [];
    const index = new Map<number, number>();
    for (const pid of order) {
      if (idle(pid)) {
        folded.push(pid);
        continue;
      }
      const t = tasks.get(pid)!;
      const a = byPid.get(pid);
      const where = t.cpus.length === 0 ? (a?.cpu != null ? `CPU ${a.cpu}` : "") : `CPU ${t.cpus.join(", ")}`;
      index.set(pid, lanes.length);
      lanes.push({
        key: `pid:${pid}`,
        label: a ? `${a.name} · ${a.comm ?? t.comm ?? "task"} [${pid}]` : t.task,
        detail: [a?.role, where, `${t.events} event${t.events === 1 ? "" : "s"}`].filter((s) => s).join(" · "),
        pids: [pid],
        cpu: null,
        folded: false,
      });
    }
    if (folded.length > 0) {
      for (const pid of folded) index.set(pid, lanes.length);
      lanes.push({
        key: "idle",
        label: `${folded.length} idle task${folded.length === 1 ? "" : "s"}`,
        detail: folded.map((p) => tasks.get(p)!.task).slice(0, 4).join(", ") + (folded.length > 4 ? ", …" : ""),
        pids: folded,
        cpu: null,
        folded: true,
      });
    }
    return { mode, lanes, laneOf: (e) => index.get(e.origin.pid) ?? 0 };
  }
  const index = new Map<number | null, number>();
  for (const c of overview.cpus) {
    const on = overview.tasks.filter((t) => (c.cpu === null ? t.cpus.length === 0 : t.cpus.includes(c.cpu)));
    const names = on.map((t) => byPid.get(t.pid)?.name ?? t.task);
    index.set(c.cpu, lanes.length);
    lanes.push({
      key: `cpu:${c.cpu ?? "?"}`,
      label: c.cpu === null ? "CPU unknown" : `CPU ${c.cpu}`,
      detail: names.slice(0, 3).join(", ") + (names.length > 3 ? ` +${names.length - 3} more` : ""),
      pids: on.map((t) => t.pid),
      cpu: c.cpu,
      folded: false,
    });
  }
  return { mode, lanes, laneOf: (e) => index.get(e.origin.cpu) ?? 0 };
}

// ---- what a row says ----------------------------------------------------------------

/** The replay's answers about events, by seq. */
export interface Annotations {
  readonly deferred: ReadonlyMap<number, Reordering>;
  readonly findings: ReadonlyMap<number, readonly Finding[]>;
  readonly undecided: ReadonlyMap<number, string>;
  /** Seqs released when the event of this seq was processed. */
  readonly released: ReadonlyMap<number, readonly number[]>;
  readonly changes: ReadonlyMap<number, readonly RuleChange[]>;
  /** The last seq of the trace (the point of events never applied). */
  readonly last: number;
}

function groupBy<T>(items: readonly T[], key: (t: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}

export function annotations(check: CheckResult | null, changes: readonly RuleChange[] | null, last: number): Annotations {
  const released = new Map<number, number[]>();
  for (const r of check?.reordered ?? []) {
    if (r.appliedAfterSeq !== null) (released.get(r.appliedAfterSeq) ?? released.set(r.appliedAfterSeq, []).get(r.appliedAfterSeq)!).push(r.seq);
  }
  for (const list of released.values()) list.sort((a, b) => a - b);
  return {
    deferred: new Map((check?.reordered ?? []).map((r) => [r.seq, r])),
    findings: groupBy(check?.findings ?? [], (f) => f.seq),
    undecided: new Map((check?.undecided ?? []).map((u) => [u.seq, u.why])),
    released,
    changes: groupBy(changes ?? [], (c) => c.seq),
    last,
  };
}

export interface Row {
  readonly event: TraceEvent;
  /** Display index (0-based, without the start row). */
  readonly index: number;
  readonly lane: number;
  /** Cursor point of this row. */
  readonly point: number;
  readonly deferred: Reordering | null;
  readonly findings: readonly Finding[];
  readonly undecided: string | null;
  readonly released: readonly number[];
  /** What the rules changed at this event (changes.ts facts), waits first. */
  readonly changes: readonly RuleChange[];
  /** Shown after the event that released it (applied order). */
  readonly moved: boolean;
}

export function rowOf(event: TraceEvent, index: number, moved: boolean, lanes: Lanes, a: Annotations, order: OrderMode): Row {
  const d = a.deferred.get(event.seq) ?? null;
  return {
    event,
    index,
    lane: lanes.laneOf(event),
    point: order === "applied" && d ? (d.appliedAfterSeq ?? a.last) : event.seq,
    deferred: d,
    findings: a.findings.get(event.seq) ?? [],
    undecided: a.undecided.get(event.seq) ?? null,
    released: a.released.get(event.seq) ?? [],
    changes: a.changes.get(event.seq) ?? [],
    moved,
  };
}

/** The moved events of a report (applied order), for DisplayOrder. */
export function movedEvents(check: CheckResult | null, order: OrderMode): { seq: number; release: number | null }[] {
  if (order !== "applied" || !check) return [];
  return check.reordered.map((r) => ({ seq: r.seq, release: r.appliedAfterSeq }));
}

/** The seqs whose rank a filtered timeline needs: the moved events and those just before, their releases, the span starts, the cursor. */
export function seqsToRank(check: CheckResult | null, cursor: number): number[] {
  const out = new Set<number>([cursor]);
  for (const r of check?.reordered ?? []) {
    out.add(r.seq);
    out.add(r.seq - 1);
    if (r.appliedAfterSeq !== null) out.add(r.appliedAfterSeq);
  }
  return [...out].filter((s) => s >= 0).sort((a, b) => a - b);
}

export interface BlockedSpan {
  readonly pids: readonly number[];
  readonly pid: number;
  /** Display indexes, inclusive. */
  readonly fromIndex: number;
  readonly toIndex: number;
  readonly waitedFor: string;
  readonly fromSeq: number;
  readonly releasedAt: number | null;
}

/**
 * Per task, the runs of waiting events released together: the task's lane is
 * hatched from the row where it blocked to the row that released it.
 */
export function blockedSpans(check: CheckResult | null, order: DisplayOrder, rank: (seq: number) => number): BlockedSpan[] {
  const spans: BlockedSpan[] = [];
  const waits = groupBy([...(check?.reordered ?? [])].sort((a, b) => a.seq - b.seq), (r) => r.pid);
  for (const [pid, list] of waits) {
    let i = 0;
    while (i < list.length) {
      const first = list[i]!;
      let j = i;
      while (j + 1 < list.length && list[j + 1]!.appliedAfterSeq === first.appliedAfterSeq) j++;
      const fromIndex = order.lastIndexAtOrBefore(first.seq - 1, rank(first.seq - 1)) + 1;
      const release = first.appliedAfterSeq;
      // The releasing row: the last kept row at or before the release, not counting the rows it released.
      const toIndex = release === null ? order.length - 1 : order.lastIndexAtOrBefore(release - 1, rank(release - 1)) + (rank(release) - rank(release - 1));
      if (toIndex >= fromIndex) spans.push({ pids: [pid], pid, fromIndex, toIndex, waitedFor: first.waitedFor, fromSeq: first.seq, releasedAt: release });
      i = j + 1;
    }
  }
  return spans.sort((a, b) => a.fromIndex - b.fromIndex || a.pid - b.pid);
}

// ---- the number format of the page (src/events/units.ts, shared with the CLI) -------------

/** An address by its scenario name when it has one: `X (0xa69c00000)`. */
export function address(v: string | null | undefined, names: ReadonlyMap<string, string>): string {
  if (v === null || v === undefined) return "?";
  const name = names.get(v);
  return name ? `${name} (${hex(v)})` : hex(v);
}

/** `bytenr=X len=1M flags=METADATA|RAID1` for an event's payload (wire form). */
export function formatArgs(data: unknown, names: ReadonlyMap<string, string>): string {
  return payloadText(data, { names });
}

/** The short badge of a rule change on a card. */
export const CHANGE_BADGE: Readonly<Record<string, { readonly icon: string; readonly word: string }>> = {
  waited: { icon: "‖", word: "waited" },
  not_applied: { icon: "⤫", word: "not applied" },
  skipped: { icon: "↷", word: "skipped" },
  implied: { icon: "+", word: "implied" },
  pinned: { icon: "⚑", word: "pinned" },
  unpinned: { icon: "⚐", word: "unpinned" },
  moved_allocation: { icon: "⇥", word: "allocation moved" },
  tolerated: { icon: "✓", word: "tolerated" },
  note: { icon: "ℹ", word: "note" },
};
