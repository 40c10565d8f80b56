/**
 * Grading: replays the student's answer and says why it is right or wrong.
 * Deterministic (same exercise, same answer → same grade), pure, and careful
 * about what it tells a student: `checks`, `replays` and `summary` never quote
 * the key; `expected` does and is served to instructors only.
 *
 *   spot the race    replay of events 1..seq of the trace under unpatched
 *   be the scheduler replay of the schedule under unpatched (must fail with the
 *                    exercise's race, consistently), then under the fix (harmless):
 *                    any schedule that does scores 1; the key is one of them,
 *                    never compared with
 *   which fix        replay under the chosen set (clean?), without each of its
 *                    fixes (needed?), against the smallest clean sets
 *   predict          the state after step N under the exercise's rules
 */
import { DomainError, UnreachableCaseError } from "../errors.ts";
import type { RaceEvent } from "../events/types.ts";
import type { AssignOptions } from "../events/binding.ts";
import { type CheckResult, checkTrace } from "../replay/check.ts";
import { stateAtEvents } from "../replay/time-travel.ts";
import type { FsStateView, RaceId } from "../replay/types.ts";
import { resolveRules } from "../rules/index.ts";
import type { FixId } from "../rules/index.ts";
import { FIX_IDS } from "../rules/index.ts";
import { normalizeAnswer, questionText, trueAnswer } from "./questions.ts";
import { actorOf, ScheduleError, scheduleEvents } from "./trace.ts";
import type {
  Answer,
  BeTheSchedulerDef,
  ExerciseTrace,
  Grade,
  GradeCheck,
  LoadedExercise,
  PredictTheStateDef,
  ReplayDigest,
  SpotTheRaceDef,
  WhichFixDef,
} from "./types.ts";

/** A bad answer (wrong shape, not a wrong answer): BAD_USER_INPUT naming the answer field. */
export function answerError(field: string, problem: string): DomainError {
  return new DomainError("BAD_USER_INPUT", `answer.${field}: ${problem}`);
}

/** How a replay's position reads in messages: `seq 6 (B write_cache_group)` or `position 6 (B3 write_cache_group)`. */
type Label = (seq: number) => string;

function traceLabel(trace: ExerciseTrace): Label {
  return (seq) => {
    const e = trace.events[seq - 1];
    return e ? `seq ${seq} (${actorOf(trace, e.origin.pid).name} ${e.type})` : `seq ${seq}`;
  };
}

/** The replay reduced to what explains a grade. */
function digest(what: string, result: CheckResult, label: Label): ReplayDigest {
  const r = result.report;
  const f = r.findings[0] ?? null;
  const notes: string[] = [];
  for (const t of result.engine.timeline ?? []) {
    for (const n of t.notes) {
      if (n.kind === "info" && !n.message.startsWith("btrfs_map_block")) notes.push(`${label(t.seq)}: ${n.message}`);
      if (n.kind === "cut") notes.push(`${label(t.seq)}: ${n.why}`);
    }
    if (t.status === "applied" && t.outcome === "skip" && t.type === "unused_bg_check" && (t.ev.data as { outcome: string }).outcome !== "skip") {
      notes.push(`${label(t.seq)}: the cleaner's check, run late, finds the block group gone or busy and skips it`);
    }
  }
  return {
    what,
    rules: r.ruleSet,
    verdict: r.verdict,
    finding: f ? { race: f.race, effect: f.effect, seq: f.seq, message: f.message } : null,
    reordered: r.reordered.map((x) => {
      const note = (x as { note?: string }).note;
      return `${label(x.seq)} waited (${x.waitedFor}); ${x.appliedAfterSeq === null ? "never applied" : note ? `${note}, after ${label(x.appliedAfterSeq)}` : `applied after ${label(x.appliedAfterSeq)}`}`;
    }),
    notes,
    warnings: r.warnings.map((w) => `${w.code}${w.seq !== null ? ` at ${label(w.seq)}` : ""}: ${w.message}`),
  };
}

function replay(events: readonly RaceEvent[], rules: readonly string[], assign?: AssignOptions): CheckResult {
  return checkTrace(events, rules.length === 0 ? ["unpatched"] : rules, { timeline: true, ...(assign ? { assign } : {}) });
}

function grade(checks: GradeCheck[], score: number, summary: string, replays: ReplayDigest[], expected: string): Grade {
  const correct = checks.every((c) => c.ok);
  return { correct, score: correct ? 1 : Math.round(score * 1000) / 1000, summary, checks, replays, expected };
}

// ---- analysis shared by grading and key checks (cached per loaded exercise) -----------------

interface Analysis {
  unpatched?: CheckResult;
  /** Smallest fix sets that make the trace clean (which-fix). */
  smallest?: FixId[][];
  state?: FsStateView;
}
const analyses = new WeakMap<LoadedExercise, Analysis>();
function analysis(ex: LoadedExercise): Analysis {
  let a = analyses.get(ex);
  if (!a) analyses.set(ex, (a = {}));
  return a;
}

export function unpatchedReplay(ex: LoadedExercise): CheckResult {
  const a = analysis(ex);
  return (a.unpatched ??= replay(ex.trace.events, ["unpatched"]));
}

/** Every subset of the fixes, smallest first, in table order within a size. */
export function fixSubsets(): FixId[][] {
  const out: FixId[][] = [];
  for (let mask = 0; mask < 1 << FIX_IDS.length; mask++) out.push(FIX_IDS.filter((_, i) => (mask & (1 << i)) !== 0));
  return out.sort((a, b) => a.length - b.length);
}

export function smallestCleanSets(ex: LoadedExercise): FixId[][] {
  const a = analysis(ex);
  if (a.smallest) return a.smallest;
  let best: FixId[][] = [];
  for (const set of fixSubsets()) {
    if (best.length > 0 && set.length > best[0]!.length) break;
    if (replay(ex.trace.events, set).report.verdict === "clean") best.push(set);
  }
  return (a.smallest = best);
}

export function stateAtStep(ex: LoadedExercise & { def: PredictTheStateDef }): FsStateView {
  const a = analysis(ex);
  return (a.state ??= stateAtEvents(ex.trace.events, ex.def.at, ex.def.rules));
}

const setText = (fixes: readonly string[]) => (fixes.length === 0 ? "no fix (unpatched)" : `{${fixes.join(", ")}}`);

// ---- the four kinds ---------------------------------------------------------------------------

function gradeSpot(ex: LoadedExercise & { def: SpotTheRaceDef }, answer: { race: RaceId; seq: number }): Grade {
  const n = ex.trace.events.length;
  if (!Number.isInteger(answer.seq) || answer.seq < 1 || answer.seq > n) throw answerError("seq", `the trace has events 1..${n}, got ${answer.seq}`);
  const label = traceLabel(ex.trace);
  const full = unpatchedReplay(ex);
  const f = full.report.findings[0]!;
  const upTo = replay(ex.trace.events.slice(0, answer.seq), ["unpatched"]);
  const checks: GradeCheck[] = [];
  const raceOk = answer.race === f.race;
  checks.push({ name: "race", ok: raceOk, detail: raceOk ? `${answer.race}: right` : `${answer.race} is not the race this trace shows` });
  let replayed: ReplayDigest;
  if (answer.seq === f.seq) {
    checks.push({ name: "seq", ok: true, detail: `${label(answer.seq)}: the state first goes wrong here: ${f.effect}: ${f.message}` });
    replayed = digest(`events 1..${answer.seq} under unpatched`, upTo, label);
  } else if (answer.seq < f.seq) {
    checks.push({ name: "seq", ok: false, detail: `${label(answer.seq)}: after events 1..${answer.seq} the replay is still consistent; the state goes wrong later` });
    replayed = digest(`events 1..${answer.seq} under unpatched`, upTo, label);
  } else {
    checks.push({ name: "seq", ok: false, detail: `${label(answer.seq)}: the state had already gone wrong before this event` });
    // Where it went wrong is the key: the digest says only that it did.
    replayed = {
      what: `events 1..${answer.seq} under unpatched`,
      rules: "unpatched",
      verdict: "bug",
      finding: null,
      reordered: [],
      notes: [`an effect fired before seq ${answer.seq}; the replay stops at the first effect`],
      warnings: [],
    };
  }
  const score = (raceOk ? 0.5 : 0) + (answer.seq === f.seq ? 0.5 : 0);
  const summary = raceOk && answer.seq === f.seq ? `right: ${f.effect} at ${label(f.seq)}` : `not yet: ${checks.filter((c) => !c.ok).map((c) => c.name).join(" and ")} wrong`;
  return grade(checks, score, summary, [replayed], `race ${f.race}, seq ${f.seq}: ${label(f.seq)}: ${f.effect}: ${f.message}`);
}

function gradeScheduler(ex: LoadedExercise & { def: BeTheSchedulerDef }, answer: { schedule: readonly string[] }): Grade {
  let sched;
  try {
    sched = scheduleEvents(ex.trace, answer.schedule);
  } catch (err) {
    if (err instanceof ScheduleError) throw answerError("schedule", err.message);
    throw err;
  }
  const label: Label = (seq) => `position ${seq} (${sched.labels[seq - 1] ?? "?"} ${sched.events[seq - 1]?.type ?? "?"})`;
  const assign = { roles: sched.roles };
  const bad = replay(sched.events, ["unpatched"], assign);
  const fixed = replay(sched.events, [ex.def.fix], assign);
  const bd = digest("your schedule under unpatched", bad, label);
  const fd = digest(`your schedule under ${ex.def.fix}`, fixed, label);
  const f = bad.report.findings[0];
  const race = ex.def.race;
  const fails = bad.report.verdict === "bug" && f?.race === race;
  const possible = bad.report.warnings.length === 0;
  const harmless = fixed.report.verdict === "clean";
  const checks: GradeCheck[] = [
    {
      name: "unpatched fails",
      ok: fails,
      detail: fails
        ? `the unpatched kernel fails: ${f!.effect} at ${label(f!.seq)}: ${f!.message}`
        : f
          ? `the unpatched kernel fails, but with ${f.effect} (${f.race ?? "no race"}), not the race of this exercise (${race})`
          : `the unpatched replay is ${bad.report.verdict}: this order does not make the kernel fail`,
    },
    {
      name: "possible schedule",
      ok: possible,
      detail: possible
        ? "every step is consistent with the state it runs in"
        : `a kernel could not run this order: ${bd.warnings.slice(0, 3).join("; ")}`,
    },
    {
      name: "harmless under the fix",
      ok: harmless && fails,
      detail: !fails
        ? `(only meaningful for a failing schedule) under ${ex.def.fix} the replay is ${fixed.report.verdict}`
        : harmless
          ? `under ${ex.def.fix} the same schedule is clean: ${[...fd.reordered, ...fd.notes].slice(0, 4).join("; ") || "the fix changes what the failing step finds"}`
          : `under ${ex.def.fix} the same schedule still fails (${fixed.report.findings[0]?.effect ?? fixed.report.verdict}): this is not the window the fix closes`,
    },
  ];
  const score = fails && possible ? (harmless ? 1 : 0.5) : 0;
  const ok = checks.every((c) => c.ok);
  const summary = ok
    ? `right: ${f!.effect} unpatched, harmless under ${ex.def.fix}`
    : `not yet: ${checks.filter((c) => !c.ok).map((c) => c.name).join(", ")}`;
  return grade(checks, score, summary, [bd, fd], `a consistent schedule failing unpatched with the race ${race}, clean under ${ex.def.fix}; key schedule: ${ex.def.key.schedule.join(" ")}`);
}

function gradeWhichFix(ex: LoadedExercise & { def: WhichFixDef }, answer: { fixes: readonly FixId[] }): Grade {
  const chosen = FIX_IDS.filter((f) => answer.fixes.includes(f));
  const label = traceLabel(ex.trace);
  const under = replay(ex.trace.events, chosen);
  const clean = under.report.verdict === "clean";
  const replays: ReplayDigest[] = [digest(`the trace under ${setText(chosen)}`, under, label)];
  const unneeded: FixId[] = [];
  for (const f of chosen) {
    const without = chosen.filter((x) => x !== f);
    const r = replay(ex.trace.events, without);
    replays.push(digest(`the trace under ${setText(without)} (without ${f})`, r, label));
    if (r.report.verdict === "clean") unneeded.push(f);
  }
  // Minimal: no proper subset is clean. With one fix removed not clean, a smaller subset may still be.
  let properSubsetClean = unneeded.length > 0;
  if (!properSubsetClean && clean) {
    for (const sub of fixSubsets()) {
      if (sub.length >= chosen.length - 1 || !sub.every((x) => chosen.includes(x))) continue;
      if (replay(ex.trace.events, sub).report.verdict === "clean") {
        properSubsetClean = true;
        break;
      }
    }
  }
  const smallest = smallestCleanSets(ex);
  const minSize = smallest[0]?.length ?? Number.POSITIVE_INFINITY;
  const first = under.report.findings[0];
  const checks: GradeCheck[] = [
    {
      name: "clean",
      ok: clean,
      detail: clean
        ? `under ${setText(chosen)} the trace replays clean`
        : first
          ? `under ${setText(chosen)} the trace still fails: ${first.effect} at ${label(first.seq)}: ${first.message}`
          : `under ${setText(chosen)} the replay is ${under.report.verdict}`,
    },
    {
      name: "every fix needed",
      ok: clean && !properSubsetClean,
      detail: !clean
        ? "(only meaningful for a clean set)"
        : unneeded.length > 0
          ? `not needed: ${unneeded.join(", ")} (the trace is clean without it)`
          : properSubsetClean
            ? "a part of your set already makes the trace clean"
            : "removing any one of your fixes brings a failure back",
    },
    {
      name: "smallest",
      ok: clean && chosen.length === minSize,
      detail: !clean ? "(only meaningful for a clean set)" : chosen.length === minSize ? "no smaller set makes the trace clean" : "a set with fewer fixes also makes the trace clean",
    },
  ];
  const score = clean ? (checks.every((c) => c.ok) ? 1 : 0.5) : 0;
  const summary = checks.every((c) => c.ok) ? `right: ${setText(chosen)} is a smallest set that makes the trace clean` : `not yet: ${checks.filter((c) => !c.ok).map((c) => c.name).join(", ")}`;
  return grade(checks, score, summary, replays, `smallest clean set${smallest.length > 1 ? "s" : ""}: ${smallest.map(setText).join(" or ")} (key ${setText(ex.def.key.fixes)})`);
}

function gradePredict(ex: LoadedExercise & { def: PredictTheStateDef }, answer: { answers: Readonly<Record<string, string>> }): Grade {
  const qs = ex.def.questions;
  for (const id of Object.keys(answer.answers)) {
    if (!qs.some((q) => q.id === id)) throw answerError(`answers.${id}`, `no question ${JSON.stringify(id)} (questions: ${qs.map((q) => q.id).join(", ")})`);
  }
  const state = stateAtStep(ex);
  const checks: GradeCheck[] = qs.map((q) => {
    const given = answer.answers[q.id];
    const text = questionText(q, ex.trace, ex.def.rules);
    if (given === undefined) return { name: q.id, ok: false, detail: `${text} — no answer` };
    const mine = normalizeAnswer(q, ex.trace, given);
    const ok = mine === trueAnswer(q, ex.trace, state);
    return { name: q.id, ok, detail: `${text} — you said ${mine}: ${ok ? "right" : `not what the replay shows after step ${ex.def.at}`}` };
  });
  const right = checks.filter((c) => c.ok).length;
  const rules = resolveRules(ex.def.rules).key;
  const label = traceLabel(ex.trace);
  const f = state.findings[0];
  const replayed: ReplayDigest = {
    what: `events 1..${ex.def.at} under ${rules}`,
    rules,
    verdict: f ? "bug" : "clean",
    finding: f ? { race: f.race, effect: f.effect, seq: f.seq, message: f.message } : null,
    reordered: [],
    notes: [],
    warnings: [],
  };
  const summary = right === qs.length ? `right: all ${qs.length} answers match the state after step ${ex.def.at}` : `${right} of ${qs.length} right`;
  const expected = qs.map((q) => `${q.id} = ${trueAnswer(q, ex.trace, state)}`).join(", ");
  return grade(checks, right / qs.length, summary, [replayed], `after ${label(ex.def.at)} under ${rules}: ${expected}`);
}

/** Grades an answer. Throws DomainError BAD_USER_INPUT when the answer does not fit the exercise. */
export function gradeAnswer(ex: LoadedExercise, answer: Answer): Grade {
  if (answer.kind !== ex.def.kind) throw answerError("kind", `this is a ${ex.def.kind} exercise, the answer is for ${answer.kind}`);
  switch (answer.kind) {
    case "spot-the-race":
      return gradeSpot(ex as LoadedExercise & { def: SpotTheRaceDef }, answer);
    case "be-the-scheduler":
      return gradeScheduler(ex as LoadedExercise & { def: BeTheSchedulerDef }, answer);
    case "which-fix":
      return gradeWhichFix(ex as LoadedExercise & { def: WhichFixDef }, answer);
    case "predict-the-state":
      return gradePredict(ex as LoadedExercise & { def: PredictTheStateDef }, answer);
    default:
      throw new UnreachableCaseError(answer);
  }
}

