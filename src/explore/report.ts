/**
 * `explore(program, rules)` as the edges use it (CLI, GraphQL): the search,
 * then every bug's shortest counterexample cross-checked by the normal
 * replay (`checkTrace` of the schedule's trace), and the words for the
 * result. Pure: no I/O.
 */
import { resolveRules } from "../rules/index.ts";
import type { RuleSet } from "../rules/types.ts";
import type { RaceId } from "../replay/types.ts";
import type { RaceEffect } from "../projections/evolve.ts";
import { type StepJson, confirmSchedule, renderSchedule, stepsJson } from "./counterexample.ts";
import { type ExploreOptions, type ExploreResult, type Schedule, exploreProgram } from "./explore.ts";
import { type Program, totalSteps } from "./program.ts";

export interface Confirmation {
  readonly verdict: "bug" | "clean" | "undecidable";
  readonly race: RaceId | null;
  readonly effect: string | null;
  /** Step (seq in the schedule's trace) of the finding. */
  readonly step: number | null;
  /** The normal replay agrees with the explorer. */
  readonly agrees: boolean;
}

export interface BugReport {
  readonly race: RaceId;
  readonly effect: RaceEffect;
  readonly message: string;
  /** Length of the shortest counterexample. */
  readonly steps: number;
  readonly schedule: Schedule;
  readonly stepsJson: readonly StepJson[];
  readonly diagram: string;
  readonly confirmed: Confirmation;
}

export interface ScheduleReport {
  readonly steps: number;
  readonly schedule: Schedule;
  readonly stepsJson: readonly StepJson[];
  readonly why: string;
  /** Schedules with this outcome among those explored. */
  readonly count: number;
}

export interface ExploreReport {
  readonly source: string;
  readonly title: string | null;
  readonly program: Program;
  readonly rules: RuleSet;
  readonly result: ExploreResult;
  readonly bugs: readonly BugReport[];
  readonly undecidable: ScheduleReport | null;
  readonly inconsistent: ScheduleReport | null;
  /** The one-sentence conclusion (no bug reachable within the bound, or which are). */
  readonly statement: string;
}

function confirmBug(program: Program, rules: RuleSet, race: RaceId, effect: string, schedule: Schedule): Confirmation {
  const { report } = confirmSchedule(program, rules, schedule);
  const f = report.findings.find((x) => x.race !== null) ?? report.findings[0] ?? null;
  return {
    verdict: report.verdict,
    race: f?.race ?? null,
    effect: f?.effect ?? null,
    step: f?.seq ?? null,
    agrees: report.verdict === "bug" && f?.race === race && f?.effect === effect,
  };
}

export function explore(program: Program, rulesSpec: readonly string[] | RuleSet, opts: ExploreOptions = {}): ExploreReport {
  const rules = "hooks" in rulesSpec ? rulesSpec : resolveRules(rulesSpec);
  const result = exploreProgram(program, rules, opts);
  const bugs: BugReport[] = [];
  let undecidable: ScheduleReport | null = result.undecidable
    ? { steps: result.undecidable.schedule.length, schedule: result.undecidable.schedule, stepsJson: stepsJson(program, rules, result.undecidable.schedule), why: result.undecidable.why, count: result.outcomes.undecidable }
    : null;
  for (const b of result.bugs) {
    const confirmed = confirmBug(program, rules, b.race, b.effect, b.schedule);
    if (!confirmed.agrees && b.forked && confirmed.verdict === "undecidable") {
      // A deferred check on the way could go either way (§4.7 e): not a bug, an undecidable schedule.
      if (!undecidable || b.schedule.length < undecidable.steps) {
        undecidable = {
          steps: b.schedule.length,
          schedule: b.schedule,
          stepsJson: stepsJson(program, rules, b.schedule),
          why: `${b.effect} if an undecided check proceeds; the replay of both outcomes differs`,
          count: (undecidable?.count ?? 0) + 1,
        };
      }
      continue;
    }
    bugs.push({
      race: b.race,
      effect: b.effect,
      message: b.message,
      steps: b.schedule.length,
      schedule: b.schedule,
      stepsJson: stepsJson(program, rules, b.schedule),
      diagram: renderSchedule(program, rules, b.schedule),
      confirmed,
    });
  }
  const inconsistent: ScheduleReport | null = result.inconsistent
    ? { steps: result.inconsistent.schedule.length, schedule: result.inconsistent.schedule, stepsJson: stepsJson(program, rules, result.inconsistent.schedule), why: result.inconsistent.why, count: result.outcomes.inconsistent }
    : null;
  return { source: program.name, title: program.title, program, rules, result, bugs, undecidable, inconsistent, statement: statementOf(program, rules, result, bugs, undecidable) };
}

function statementOf(program: Program, rules: RuleSet, r: ExploreResult, bugs: readonly BugReport[], undecidable: ScheduleReport | null): string {
  const total = totalSteps(program);
  const bound = `schedules of up to ${r.maxSteps} of ${total} events, at most ${r.maxStates} states`;
  const und = undecidable
    ? `; but ${undecidable.count} explored schedule(s) end undecidable (reported apart, never as bugs): what the trace leaves unknown could hide one there`
    : "";
  if (bugs.length > 0) {
    const list = bugs.map((b) => `${b.effect} (${b.race}) in ${b.steps} steps`).join("; ");
    return `${bugs.length} bug${bugs.length === 1 ? "" : "s"} reachable under ${rules.key}: ${list}${r.complete ? "" : `; the exploration is incomplete (${r.limits.length} bound(s) hit), others may exist`}.`;
  }
  if (r.complete) return `No bug is reachable under ${rules.key} within the bound (${bound}): every interleaving of the ${program.actors.length} programs is covered${und}.`;
  return `No bug found under ${rules.key}, but the exploration is incomplete (${r.limits.join("; ")}): this is not a proof that none is reachable${und}.`;
}

// ---- output ---------------------------------------------------------------------

/** `--json` shape, which the GraphQL resolver adapts. `naive` is a bigint (exact); JSON text prints it as a plain number. */
export function reportObject(rep: ExploreReport) {
  const r = rep.result;
  return {
    source: rep.source,
    rules: rep.rules.key,
    reduction: r.reduction,
    schedules: r.schedules,
    states: r.states,
    transitions: r.transitions,
    naive: r.naive,
    complete: r.complete,
    limits: r.limits,
    maxSteps: r.maxSteps,
    maxStates: r.maxStates,
    outcomes: r.outcomes,
    actors: rep.program.actors.map((a, i) => ({ name: a.name, pid: a.pid, comm: a.comm, events: rep.program.steps[i]!.length })),
    bugs: rep.bugs.map((b) => ({
      race: b.race,
      effect: b.effect,
      message: b.message,
      steps: b.steps,
      schedule: b.stepsJson,
      confirmed: b.confirmed,
    })),
    undecidable: rep.undecidable && { count: rep.undecidable.count, why: rep.undecidable.why, steps: rep.undecidable.steps, schedule: rep.undecidable.stepsJson },
    inconsistent: rep.inconsistent && { count: rep.inconsistent.count, why: rep.inconsistent.why, steps: rep.inconsistent.steps, schedule: rep.inconsistent.stepsJson },
    statement: rep.statement,
    elapsedMs: Math.round(r.elapsedMs),
  };
}

/**
 * The report as plain data, as a worker hands it back: the `--json` object
 * with the naive count as a decimal string (it outgrows a number) and each
 * bug with its diagram.
 */
export function reportWire(rep: ExploreReport) {
  const json = reportObject(rep);
  return { ...json, naive: json.naive.toString(), bugs: json.bugs.map((b, i) => ({ ...b, diagram: rep.bugs[i]!.diagram })) };
}

export type ExploreWire = ReturnType<typeof reportWire>;

export function renderReport(rep: ExploreReport): string {
  const r = rep.result;
  const p = rep.program;
  const out: string[] = [];
  out.push(`explore ${rep.source} under ${rep.rules.key}${rep.title ? ` — ${rep.title}` : ""}`);
  out.push(`  programs: ${p.actors.map((a, i) => `${a.name} = ${a.comm ?? "?"}[${a.pid}] ${p.steps[i]!.length} event${p.steps[i]!.length === 1 ? "" : "s"}`).join(", ")}`);
  const dropped = [p.dropped.gaps ? `${p.dropped.gaps} gap marker(s)` : "", p.dropped.observations ? `${p.dropped.observations} observation(s)` : "", p.dropped.otherPids ? `${p.dropped.otherPids} event(s) of other pids` : ""].filter(Boolean);
  if (dropped.length) out.push(`  left out (not steps of a program): ${dropped.join(", ")}`);
  out.push(
    `  naive interleavings: ${r.naive}; explored ${r.schedules} schedule${r.schedules === 1 ? "" : "s"}, ${r.states} distinct states, ${r.transitions} steps` +
      ` (${r.reduction ? "partial-order reduction" : "no reduction"}) in ${(r.elapsedMs / 1000).toFixed(2)} s`,
  );
  const o = r.outcomes;
  out.push(`  outcomes of the explored schedules: ${o.bug} bug, ${o.clean} clean, ${o.undecidable} undecidable, ${o.inconsistent} inconsistent`);
  for (const l of r.limits) out.push(`  ! ${l}`);
  for (const b of rep.bugs) {
    out.push("");
    out.push(`BUG ${b.effect} (${b.race}): shortest counterexample, ${b.steps} steps`);
    out.push(b.diagram);
    const c = b.confirmed;
    out.push(
      c.agrees
        ? `  cross-check: the normal replay of this schedule is a bug too (${c.effect} at step ${c.step})`
        : `  cross-check FAILED: the normal replay of this schedule gives ${c.verdict}${c.effect ? ` ${c.effect}` : ""}`,
    );
  }
  if (rep.undecidable) {
    out.push("");
    out.push(`undecidable: ${rep.undecidable.count} schedule(s), e.g. (${rep.undecidable.steps} steps) ${scheduleLine(rep.undecidable.stepsJson)}`);
    out.push(`  ${rep.undecidable.why}`);
  }
  if (rep.inconsistent) {
    out.push("");
    out.push(`inconsistent: ${rep.inconsistent.count} schedule(s) break a model invariant (not a race effect), e.g. (${rep.inconsistent.steps} steps) ${scheduleLine(rep.inconsistent.stepsJson)}`);
    out.push(`  ${rep.inconsistent.why}`);
  }
  out.push("");
  out.push(rep.statement);
  return `${out.join("\n")}\n`;
}

function scheduleLine(steps: readonly StepJson[]): string {
  return steps.map((s) => `${s.actor}:${s.type}`).join(" ");
}
