/**
 * The timeline as data, from a trace's events and a replay's report: one lane
 * per actor (task, or CPU), rows in recorded or in applied order, the spans
 * during which an actor was blocked, findings per row, and the cursor points.
 * Pure: no DOM, no fetch (the Node tests run it, test/web/model.test.ts).
 *
 * The cursor is a *processing point*: the seq of the last recorded event the
 * replay has processed (0 = before the first), which is what `stateAt(seq)`
 * and `diff(from, to)` take. An event deferred under the rules (its actor was
 * blocked) is applied when the replay processes the event after which it was
 * released (`appliedAfterSeq`): in applied order it is shown there, and its
 * processing point is that seq.
 */
import type { CheckResult, Finding, Reordering, TraceEvent } from "../types.ts";

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
  /** e.g. `A · btrfs [17451]` or `CPU 1`. */
  readonly label: string;
  /** e.g. `balance · CPU 0`. */
  readonly detail: string;
}

export interface Row {
  readonly event: TraceEvent;
  /** The task, short: `A` for a scenario's actor, else as the server names it (`comm-pid`, `cpuN (unknown task)`). */
  readonly who: string;
  /** Index into `lanes`. */
  readonly lane: number;
  /** Cursor point of this row (see the file comment). */
  readonly point: number;
  /** Set when the event waited under the rules. */
  readonly deferred: Reordering | null;
  /** Findings this event triggered. */
  readonly findings: readonly Finding[];
  /** Why the replay could not decide at this event, if it could not. */
  readonly undecided: string | null;
  /** Seqs of deferred events released when this event was processed. */
  readonly released: readonly number[];
}

export interface BlockedSpan {
  readonly lane: number;
  /** Row indexes, inclusive. */
  readonly fromRow: number;
  readonly toRow: number;
  readonly pid: number;
  readonly waitedFor: string;
  /** First deferred seq and the seq that released it (null: never released). */
  readonly fromSeq: number;
  readonly releasedAt: number | null;
}

export interface TimelineModel {
  readonly mode: LaneMode;
  readonly lanes: readonly Lane[];
  readonly rows: readonly Row[];
  readonly spans: readonly BlockedSpan[];
  /** Cursor points in display order, 0 first, without repeats. */
  readonly points: readonly number[];
  /** seq → row index. */
  readonly rowOfSeq: ReadonlyMap<number, number>;
  /** True when the rules moved at least one event. */
  readonly reordered: boolean;
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

function laneKey(e: TraceEvent, mode: LaneMode): string {
  return mode === "task" ? `pid:${e.origin.pid}` : `cpu:${e.origin.cpu ?? "?"}`;
}

function buildLanes(events: readonly TraceEvent[], mode: LaneMode, actors: readonly ScenarioActor[]): { lanes: Lane[]; index: Map<string, number> } {
  const index = new Map<string, number>();
  const lanes: Lane[] = [];
  const cpusOf = new Map<number, Set<string>>();
  const commOf = new Map<number, string | null>();
  const taskOf = new Map<number, string>();
  const pidsOf = new Map<string, Set<number>>();
  for (const e of events) {
    const cpu = e.origin.cpu === null ? "?" : String(e.origin.cpu);
    (cpusOf.get(e.origin.pid) ?? cpusOf.set(e.origin.pid, new Set()).get(e.origin.pid)!).add(cpu);
    if (!commOf.has(e.origin.pid) || commOf.get(e.origin.pid) === null) {
      commOf.set(e.origin.pid, e.origin.comm);
      taskOf.set(e.origin.pid, e.origin.task);
    }
    (pidsOf.get(cpu) ?? pidsOf.set(cpu, new Set()).get(cpu)!).add(e.origin.pid);
  }
  const byPid = new Map(actors.map((a) => [a.pid, a]));
  const add = (key: string, lane: Lane) => {
    if (index.has(key)) return;
    index.set(key, lanes.length);
    lanes.push(lane);
  };
  const taskLane = (pid: number): Lane => {
    const a = byPid.get(pid);
    const comm = a?.comm ?? commOf.get(pid) ?? null;
    const cpus = [...(cpusOf.get(pid) ?? [])].filter((c) => c !== "?");
    const where = cpus.length === 0 ? (a?.cpu != null ? `CPU ${a.cpu}` : "") : `CPU ${cpus.join(", ")}`;
    return {
      key: `pid:${pid}`,
      label: a ? `${a.name} · ${comm ?? "task"} [${pid}]` : (taskOf.get(pid) ?? `pid ${pid}`),
      detail: [a?.role, where].filter((s) => s).join(" · "),
    };
  };
  if (mode === "task") {
    // Declared actors first (a scenario's columns), then tasks as they appear.
    for (const a of actors) if (cpusOf.has(a.pid)) add(`pid:${a.pid}`, taskLane(a.pid));
    for (const e of events) add(laneKey(e, mode), taskLane(e.origin.pid));
  } else {
    const cpus = [...pidsOf.keys()].sort((a, b) => (a === "?" ? 1 : b === "?" ? -1 : Number(a) - Number(b)));
    for (const cpu of cpus) {
      const tasks = [...(pidsOf.get(cpu) ?? [])].map((pid) => byPid.get(pid)?.name ?? taskOf.get(pid) ?? `pid ${pid}`);
      add(`cpu:${cpu}`, { key: `cpu:${cpu}`, label: cpu === "?" ? "CPU unknown" : `CPU ${cpu}`, detail: tasks.join(", ") });
    }
  }
  return { lanes, index };
}

/** Recorded seqs in the order the replay applied them under the report's rules. */
export function appliedOrder(events: readonly TraceEvent[], check: Pick<CheckResult, "reordered"> | null): TraceEvent[] {
  if (!check || check.reordered.length === 0) return [...events];
  const deferred = new Map(check.reordered.map((r) => [r.seq, r]));
  const releasedAt = new Map<number, TraceEvent[]>();
  const never: TraceEvent[] = [];
  for (const e of events) {
    const r = deferred.get(e.seq);
    if (!r) continue;
    if (r.appliedAfterSeq === null) never.push(e);
    else (releasedAt.get(r.appliedAfterSeq) ?? releasedAt.set(r.appliedAfterSeq, []).get(r.appliedAfterSeq)!).push(e);
  }
  const out: TraceEvent[] = [];
  for (const e of events) {
    if (!deferred.has(e.seq)) out.push(e);
    for (const later of releasedAt.get(e.seq) ?? []) out.push(later);
  }
  return [...out, ...never];
}

export function buildTimeline(
  events: readonly TraceEvent[],
  check: CheckResult | null,
  opts: { readonly lanes: LaneMode; readonly order: OrderMode; readonly actors?: readonly ScenarioActor[] },
): TimelineModel {
  const { lanes, index } = buildLanes(events, opts.lanes, opts.actors ?? []);
  const deferred = new Map((check?.reordered ?? []).map((r) => [r.seq, r]));
  const findingsAt = new Map<number, Finding[]>();
  for (const f of check?.findings ?? []) (findingsAt.get(f.seq) ?? findingsAt.set(f.seq, []).get(f.seq)!).push(f);
  const releasedBy = new Map<number, number[]>();
  for (const r of check?.reordered ?? []) {
    if (r.appliedAfterSeq !== null) (releasedBy.get(r.appliedAfterSeq) ?? releasedBy.set(r.appliedAfterSeq, []).get(r.appliedAfterSeq)!).push(r.seq);
  }
  const undecidedAt = new Map((check?.undecided ?? []).map((u) => [u.seq, u.why]));
  const last = events.length === 0 ? 0 : events[events.length - 1]!.seq;
  const ordered = opts.order === "applied" ? appliedOrder(events, check) : [...events];
  const byPid = new Map((opts.actors ?? []).map((a) => [a.pid, a.name]));
  const who = (e: TraceEvent) => byPid.get(e.origin.pid) ?? e.origin.task;
  const rows: Row[] = ordered.map((event) => {
    const d = deferred.get(event.seq) ?? null;
    return {
      event,
      who: who(event),
      lane: index.get(laneKey(event, opts.lanes)) ?? 0,
      point: opts.order === "applied" && d ? (d.appliedAfterSeq ?? last) : event.seq,
      deferred: d,
      findings: findingsAt.get(event.seq) ?? [],
      undecided: undecidedAt.get(event.seq) ?? null,
      released: (releasedBy.get(event.seq) ?? []).sort((a, b) => a - b),
    };
  });
  const rowOfSeq = new Map(rows.map((r, i) => [r.event.seq, i]));
  const points: number[] = [0];
  for (const r of rows) if (r.point !== points[points.length - 1] && !points.includes(r.point)) points.push(r.point);

  // Blocked spans: per task, runs of deferred events released together.
  const spans: BlockedSpan[] = [];
  const waitsOf = new Map<number, Reordering[]>();
  for (const r of [...(check?.reordered ?? [])].sort((a, b) => a.seq - b.seq)) (waitsOf.get(r.pid) ?? waitsOf.set(r.pid, []).get(r.pid)!).push(r);
  for (const [pid, list] of waitsOf) {
    let i = 0;
    while (i < list.length) {
      const first = list[i]!;
      const release = first.appliedAfterSeq;
      let j = i;
      while (j + 1 < list.length && list[j + 1]!.appliedAfterSeq === release) j++;
      const firstEvent = rows[rowOfSeq.get(first.seq) ?? -1]?.event;
      const lane = firstEvent ? (index.get(laneKey(firstEvent, opts.lanes)) ?? 0) : 0;
      // From the first row processed at or after the first deferred event, to the releasing event's row.
      let fromRow = rows.findIndex((r) => r.point >= first.seq && !(r.deferred && r.deferred.appliedAfterSeq === release && opts.order === "applied"));
      if (fromRow < 0) fromRow = rows.length - 1;
      const releaseRow = release === null ? rows.length - 1 : (rowOfSeq.get(release) ?? rows.length - 1);
      spans.push({ lane, fromRow, toRow: Math.max(fromRow, releaseRow), pid, waitedFor: first.waitedFor, fromSeq: first.seq, releasedAt: release });
      i = j + 1;
    }
  }
  spans.sort((a, b) => a.fromRow - b.fromRow || a.lane - b.lane);
  return { mode: opts.lanes, lanes, rows, spans, points, rowOfSeq, reordered: deferred.size > 0 };
}

/** The blocked span covering a lane at a row, if any. */
export function spanAt(model: TimelineModel, lane: number, row: number): BlockedSpan | null {
  for (const s of model.spans) if (s.lane === lane && s.fromRow <= row && row <= s.toRow) return s;
  return null;
}

/** The cursor point after (+1) or before (-1) `point`, in display order. */
export function stepPoint(model: TimelineModel, point: number, delta: number): number {
  const i = model.points.indexOf(point);
  if (i < 0) return model.points[0] ?? 0;
  const j = Math.min(model.points.length - 1, Math.max(0, i + delta));
  return model.points[j]!;
}

// ---- formatting of values --------------------------------------------------------

const ADDRESS_KEYS = new Set(["bytenr", "start", "physical", "offset", "chunk", "logical"]);
const SIZE_KEYS = new Set(["len", "length", "bytes", "used", "size", "reserved"]);

/** A decimal u64 string as hex (`0xa69c00000`); other text unchanged. */
export function hex(v: string): string {
  return /^[0-9]+$/.test(v) ? `0x${BigInt(v).toString(16)}` : v;
}

/** A byte count with a binary unit when exact (`8M`), else decimal. */
export function size(v: string): string {
  if (!/^[0-9]+$/.test(v)) return v;
  let n = BigInt(v);
  for (const unit of ["", "K", "M", "G", "T"]) {
    if (n < 1024n || n % 1024n !== 0n || unit === "T") return `${n}${unit}`;
    n /= 1024n;
  }
  return v;
}

/** An address by its scenario name when it has one: `X (0xa69c00000)`. */
export function address(v: string | null | undefined, names: ReadonlyMap<string, string>): string {
  if (v === null || v === undefined) return "?";
  const name = names.get(v);
  return name ? `${name} (${hex(v)})` : hex(v);
}

/** `bytenr=X outcome=proceed` for an event's payload (Event.data: a JSON object in wire form). */
export function formatArgs(data: unknown, names: ReadonlyMap<string, string>): string {
  const parts: string[] = [];
  const payload = (typeof data === "object" && data !== null ? data : {}) as Readonly<Record<string, unknown>>;
  for (const [k, v] of Object.entries(payload)) {
    if (v === null || v === undefined) continue;
    let text: string;
    if (typeof v === "string" && ADDRESS_KEYS.has(k)) text = names.get(v) ?? hex(v);
    else if (typeof v === "string" && SIZE_KEYS.has(k)) text = size(v);
    else if (Array.isArray(v)) text = v.map((x) => (typeof x === "object" && x ? Object.values(x as object).map((y) => (typeof y === "string" ? (names.get(y) ?? hex(y)) : String(y))).join(":") : String(x))).join(",");
    else if (typeof v === "object") text = JSON.stringify(v);
    else text = String(v);
    parts.push(`${k}=${text}`);
  }
  return parts.join(" ");
}
