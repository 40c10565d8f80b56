/**
 * `racelab explore <scenario|trace> --rules R [--max-steps N] [--max-states N]
 * [--json] [--save NAME]`: every schedule of the tasks' programs under a rule
 * set (src/explore), with the shortest counterexample of each reachable bug
 * as the seeds' diagram. The result is output, not failure: exit code 0
 * whether bugs are found or not, and when a bound is hit (the result then
 * says it is incomplete).
 */
import { existsSync } from "node:fs";
import type { Writable } from "node:stream";
import { DomainError } from "../../errors.ts";
import type { EventStore } from "../../events/store.ts";
import { DEFAULT_MAX_STATES } from "../../explore/explore.ts";
import { jsonWithExactNumbers } from "../../bigint-json.ts";
import { explore, renderReport, reportObject } from "../../explore/report.ts";
import { loadProgram, saveCounterexample, seedFile } from "../../explore/source.ts";
import { resolveRules, type RuleSet } from "../../rules/index.ts";
import { RACE_IDS } from "../../events/races.ts";
import { withStore } from "../command.ts";
import { terminalProgress } from "../progress.ts";
import { parseFlags, ruleSetArg } from "./check.ts";
import { printable } from "../../names.ts";

export const name = "explore";
export const summary = "explore every interleaving of a scenario's tasks under a rule set; shortest counterexample per bug";
export const usage =
  "racelab explore <scenario|trace> --rules unpatched|patched|fix[,fix…] [--max-steps N] [--max-states N] [--pids P,…] [--no-reduction] [--json] [--save NAME]";
export const help = `${usage}

Takes each task's program (its events in order) and replays every
interleaving of them under the rule set, the way a recording of that order
would be replayed (lock M makes a task wait; the cleaner's check is
recomputed where the schedule puts it; a commit waits for the other tasks'
transaction handles). Partial-order reduction skips orders that differ only
by steps touching disjoint state, and states reached twice are explored once.

<scenario|trace>: a seed scenario by name (${RACE_IDS.join(", ")}, or
<race>.benign), a .scenario file, a kernel trace file (imported first), or a
stored trace id or name (one program per pid; --pids keeps some of them).

Prints the number of interleavings without reduction (exact), the schedules
and distinct states explored, every reachable bug (race, effect) with its
shortest counterexample as a two-column diagram (cross-checked by the normal
replay of that schedule), schedules that end undecidable (apart, never as
bugs), and, when there is no bug, whether none is reachable within the bound.

--max-steps N    explore schedules of at most N events (default: all events)
--max-states N   stop after N distinct states (default ${DEFAULT_MAX_STATES}; with
                 --no-reduction: after N states visited, repeats included)
--pids P,…       explore only these tasks of a trace
--no-reduction   brute force: every interleaving, no reduction, no state caching
--save NAME      store each bug's counterexample as a new trace NAME (NAME-<race>
                 when there are several): racelab check NAME replays it
--json           {"schedules","states","naive","bugs":[{"race","effect","schedule":[{"actor",
                 "pid","type","bytenr","seq","line",…}],…}],"complete","limits","statement",…}
`;

function positiveInt(flag: string, v: string | boolean | undefined): number | null {
  if (v === undefined) return null;
  if (typeof v !== "string" || !/^[1-9][0-9]*$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) {
    throw new DomainError("BAD_USER_INPUT", `explore: ${flag}: expected a positive integer, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

function pidList(v: string | boolean | undefined): number[] | null {
  if (v === undefined) return null;
  const parts = String(v).split(",").map((s) => s.trim());
  if (parts.some((p) => !/^[0-9]+$/.test(p))) throw new DomainError("BAD_USER_INPUT", `explore: --pids: expected pids separated by commas, got ${JSON.stringify(v)}`);
  return parts.map(Number);
}

/** Seed scenarios and .scenario files need no database: the command opens the store only for traces and --save. */
export const needsStore = false;

export interface ExploreCommandContext {
  readonly stdout: Writable;
  /** A bar on a terminal for an exploration longer than a second. */
  readonly stderr?: Writable & { isTTY?: boolean };
  /** Used when given (tests, other callers); else opened on demand. */
  readonly store?: EventStore;
}

export interface ExploreArgs {
  readonly help: boolean;
  readonly source: string;
  readonly rules: RuleSet;
  readonly maxSteps: number | null;
  readonly maxStates: number | null;
  readonly pids: number[] | null;
  readonly reduction: boolean;
  readonly json: boolean;
  /** --save NAME, trimmed. */
  readonly save: string | null;
}

/** Checks the flags and the operand; opens nothing. */
export function parse(argv: readonly string[]): ExploreArgs {
  const { values, positionals } = parseFlags("explore", argv, {
    rules: { type: "string" },
    "max-steps": { type: "string" },
    "max-states": { type: "string" },
    pids: { type: "string" },
    "no-reduction": { type: "boolean" },
    json: { type: "boolean" },
    save: { type: "string" },
  });
  const rest = { maxSteps: null, maxStates: null, pids: null, reduction: true, json: false, save: null };
  if (values.help) return { help: true, source: "", rules: resolveRules(["unpatched"]), ...rest };
  if (positionals.length !== 1) throw new DomainError("BAD_USER_INPUT", `explore: expected one scenario or trace; usage: ${usage}`);
  if (typeof values.save === "string" && values.save.trim() === "") throw new DomainError("BAD_USER_INPUT", "explore: --save: expected a trace name");
  return {
    help: false,
    source: positionals[0]!,
    rules: resolveRules([ruleSetArg("explore", values.rules)]),
    maxSteps: positiveInt("--max-steps", values["max-steps"] as string | undefined),
    maxStates: positiveInt("--max-states", values["max-states"] as string | undefined),
    pids: pidList(values.pids as string | undefined),
    reduction: values["no-reduction"] !== true,
    json: values.json === true,
    save: typeof values.save === "string" ? values.save.trim() : null,
  };
}

export async function run(argv: readonly string[], ctx: ExploreCommandContext): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    ctx.stdout.write(help);
    return 0;
  }
  const arg = args.source;
  const needsDb = args.save !== null || !(seedFile(arg) || (arg.endsWith(".scenario") && existsSync(arg)));
  const go = (store: EventStore | null) => exploreWith(store, args, ctx);
  if (ctx.store || !needsDb) return go(ctx.store ?? null);
  return withStore((store) => go(store));
}

async function exploreWith(store: EventStore | null, args: ExploreArgs, ctx: ExploreCommandContext): Promise<number> {
  const { rules, maxSteps, maxStates, pids } = args;
  const { stdout } = ctx;
  const { program } = await loadProgram(args.source, store, { pids });
  const bar = ctx.stderr ? terminalProgress(ctx.stderr) : null;
  let rep;
  try {
    rep = explore(program, rules, {
      maxSteps,
      maxStates,
      reduction: args.reduction,
      progress: bar ? (states, bound) => bar.update(`exploring under ${rules.key}`, states, bound, `${states} states of at most ${bound}`) : undefined,
    });
  } finally {
    bar?.stop();
  }

  const saved: { race: string; effect: string; trace: string; name: string; existing: boolean }[] = [];
  if (args.save !== null) {
    const base = args.save;
    for (const b of rep.bugs) {
      const traceName = rep.bugs.length === 1 ? base : `${base}-${b.race}`;
      const found = rep.result.bugs.find((x) => x.race === b.race && x.effect === b.effect)!;
      const { trace, existing } = await saveCounterexample(store!, program, rules, found, traceName);
      saved.push({ race: b.race, effect: b.effect, trace: trace.id, name: trace.name, existing });
    }
  }

  if (args.json) {
    stdout.write(`${jsonWithExactNumbers({ ...reportObject(rep), ...(args.save !== null ? { saved } : {}) })}\n`);
    return 0;
  }
  stdout.write(renderReport(rep));
  if (args.save !== null) {
    if (saved.length === 0) stdout.write("nothing saved: no counterexample\n");
    for (const s of saved) {
      stdout.write(
        `${s.existing ? "already stored" : "saved"}: counterexample of ${s.effect} as trace ${printable(s.name)} (${s.trace}); replay it with: racelab check ${s.trace} --rules ${rules.key}\n`,
      );
    }
  }
  return 0;
}

export const runExplore = run;
