/**
 * `checkEvents(events, rules)`: replays a trace under a rule set and gives
 * the verdict (DOMAIN.md §4.7). Pure: no I/O.
 *
 * Undecided checks (§4.7 e) are settled by replaying the trace with each
 * outcome imposed: same (verdict, effect, line) → that result; otherwise the
 * verdict is `undecidable` at the check. The number of replays is bounded.
 *
 * Verdict-affecting: a change of behaviour here bumps ENGINE_VERSION
 * (src/replay/engine.ts).
 */
import type { RaceEvent, StoredEvent } from "../events/types.ts";
import { resolveRules } from "../rules/index.ts";
import type { RuleSet } from "../rules/types.ts";
import { type AssignOptions, type ChainAnn, annotateChains, assignChains } from "./chains.ts";
import { type CheckOutcome, Engine, type EngineEvent, type ForkPoint, type TimelineEntry } from "./engine.ts";
import type { CheckReport, Finding, RaceId, ReplayWarning, UndecidedPoint, Verdict } from "./types.ts";

/** A trace made ready for replay: seqs, chains and their annotations, trace-level facts. */
export interface PreparedTrace {
  readonly events: readonly EngineEvent[];
  /** True iff the trace has no `bg_items_insert` (phase 2 of bg creation is invisible). */
  readonly itemsUnknown: boolean;
}

export function prepareTrace(events: readonly (StoredEvent | RaceEvent)[], opts: AssignOptions = {}): PreparedTrace {
  const refs = assignChains(events, opts);
  const anns: (ChainAnn | null)[] = annotateChains(events, refs);
  let itemsUnknown = true;
  const out: EngineEvent[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.type === "bg_items_insert") itemsUnknown = false;
    const seq = "seq" in e && typeof e.seq === "number" ? e.seq : i + 1;
    const ref = refs[i] ?? null;
    const ev = (e.chain === ref ? e : { type: e.type, data: e.data, origin: e.origin, chain: ref }) as RaceEvent;
    out[i] = { ev, seq, ann: anns[i] ?? null };
  }
  return { events: out, itemsUnknown };
}

/** Events between two calls of a replay's progress callback. */
const PROGRESS_EVERY = 1 << 14;

/** Called with the events pushed so far and the trace's length, every PROGRESS_EVERY events. */
export type ReplayProgress = (done: number, total: number) => void;

/** One replay of one schedule. */
export function runEngine(
  trace: PreparedTrace,
  rules: RuleSet,
  opts: { forced?: ReadonlyMap<number, CheckOutcome>; timeline?: boolean; untilSeq?: number; progress?: ReplayProgress } = {},
): Engine {
  const eng = new Engine(rules, { itemsUnknown: trace.itemsUnknown, forced: opts.forced, timeline: opts.timeline });
  const until = opts.untilSeq ?? Number.POSITIVE_INFINITY;
  const { events } = trace;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.seq > until) break;
    if (opts.progress && i % PROGRESS_EVERY === 0) opts.progress(i, events.length);
    eng.push(e);
  }
  if (opts.untilSeq === undefined) eng.finish();
  return eng;
}

export type CheckReportX = CheckReport & {
  /** Rule set key. */
  readonly ruleSet: string;
  /** Race of the first finding (DOMAIN §5 heading), null when none. */
  readonly race: RaceId | null;
  readonly reordered: CheckReport["reordered"];
};

export interface CheckResult {
  readonly report: CheckReportX;
  /** The engine of the schedule the report describes (the one where undecided checks proceed). */
  readonly engine: Engine;
}

function verdictOf(findings: readonly Finding[], undecided: readonly UndecidedPoint[]): Verdict {
  return findings.length > 0 ? "bug" : undecided.length > 0 ? "undecidable" : "clean";
}

function signature(r: { verdict: Verdict; findings: readonly Finding[]; undecided: readonly UndecidedPoint[] }): string {
  const f = r.findings[0];
  const u = r.undecided[0];
  return JSON.stringify([r.verdict, f?.effect ?? null, f ? f.line ?? f.seq : u ? u.line ?? u.seq : null]);
}

function reportOf(eng: Engine, rules: RuleSet): CheckReportX {
  const findings = [...eng.findings];
  const undecided = [...eng.undecided];
  return {
    verdict: verdictOf(findings, undecided),
    rules: rules.names,
    ruleSet: rules.key,
    race: findings.find((f) => f.race !== null)?.race ?? null,
    findings,
    warnings: [...eng.warnings],
    reordered: [...eng.reordered],
    undecided,
    deferredAtEnd: eng.deferredAtEnd,
    gaps: [...eng.gaps],
  };
}

const MAX_REPLAYS = 64;

function describe(r: CheckReportX): string {
  const f = r.findings[0];
  if (f) return `bug ${f.effect} at seq ${f.seq}`;
  const u = r.undecided[0];
  return u ? `undecidable at seq ${u.seq}` : "clean";
}

function solve(
  trace: PreparedTrace,
  rules: RuleSet,
  forced: Map<number, CheckOutcome>,
  budget: { left: number },
  timeline: boolean,
  done?: Engine,
  progress?: ReplayProgress,
): CheckResult {
  const eng = done ?? runEngine(trace, rules, { forced, timeline, progress });
  budget.left--;
  const report = reportOf(eng, rules);
  const open: ForkPoint | undefined = eng.forkPoints.find((p) => !forced.has(p.seq));
  if (!open) return { report, engine: eng };
  if (budget.left <= 1) {
    const undecided = [...report.undecided, { seq: open.seq, line: open.line, why: `${open.why}; too many undecided checks to replay them all` }];
    return { report: { ...report, findings: [], verdict: "undecidable", race: null, undecided }, engine: eng };
  }
  const withProceed = solve(trace, rules, new Map([...forced, [open.seq, "proceed"]]), budget, timeline, eng, progress);
  const withSkip = solve(trace, rules, new Map([...forced, [open.seq, "skip"]]), budget, false, undefined, progress);
  if (signature(withProceed.report) === signature(withSkip.report)) return withProceed;
  const p = withProceed.report;
  const point: UndecidedPoint = {
    seq: open.seq,
    line: open.line,
    why: `${open.why}: if it proceeds → ${describe(p)}; if it skips → ${describe(withSkip.report)}`,
  };
  return {
    report: { ...p, verdict: "undecidable", findings: [], race: null, undecided: [point, ...p.undecided] },
    engine: withProceed.engine,
  };
}

/** Replays `events` (in recorded order) under `rules` and reports the verdict. */
export function checkTrace(
  events: readonly (StoredEvent | RaceEvent)[] | PreparedTrace,
  rules: readonly string[] | RuleSet,
  opts: { timeline?: boolean; assign?: AssignOptions; progress?: ReplayProgress } = {},
): CheckResult {
  const trace = "itemsUnknown" in events ? events : prepareTrace(events, opts.assign);
  const ruleSet = "hooks" in rules ? rules : resolveRules(rules);
  const result = solve(trace, ruleSet, new Map(), { left: MAX_REPLAYS }, opts.timeline ?? false, undefined, opts.progress);
  const obs = result.engine.observations;
  if (obs.length === 0) return result;
  // An assert/abort seen in the recording must be explained by the unpatched replay.
  const unpatched =
    ruleSet.key === "unpatched"
      ? result.report
      : solve(trace, resolveRules(["unpatched"]), new Map(), { left: MAX_REPLAYS }, false, undefined, opts.progress).report;
  if (unpatched.verdict !== "clean") return result;
  const extra: ReplayWarning[] = obs.map((o) => ({
    code: "observation_unexplained",
    seq: o.seq,
    line: o.line,
    message: `${o.type === "assert_fail" ? "an assertion failure" : "a transaction abort"} was recorded here, but the unpatched replay is clean: the trace misses what caused it`,
  }));
  return { ...result, report: { ...result.report, warnings: [...result.report.warnings, ...extra] } };
}

/** The contract other modules import: events in recorded order, a rule-set spec → the report. */
export function checkEvents(events: readonly (StoredEvent | RaceEvent)[], rules: readonly string[]): CheckReportX {
  return checkTrace(events, rules).report;
}

export type { TimelineEntry };
