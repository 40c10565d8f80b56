/**
 * `racelab check <trace|file>... [--rules R]... [--json]`: replays traces
 * under rule sets and prints the verdicts, every (trace, rule set) pair in
 * one process. A file is imported first (`.scenario` through the scenario
 * parser, anything else through the ftrace importer); re-checking the same
 * file finds the earlier import by its content hash. Verdicts are stored:
 * a trace checked before under a rule set answers at once until it changes.
 * The verdict is output, not failure: the exit code is 0 for bug, clean and
 * undecidable alike.
 */
import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { DomainError } from "../../errors.ts";
import { write } from "../command.ts";
import { terminalProgress } from "../progress.ts";
import type { EventStore, ReplayStore, TraceInfo } from "../../events/store.ts";
import { createReplayService, type ReplayServiceX, type TraceCheckReport } from "../../replay-service.ts";
import { renderCheck } from "../../replay/render.ts";
import { FIX_IDS, resolveRules } from "../../rules/index.ts";
import { resolveTraceArg } from "../../trace-arg.ts";
import { printable } from "../../names.ts";

/** What the replay commands need from the CLI framework. */
export interface ReplayCommandContext {
  readonly store: ReplayStore;
  readonly stdout: Writable;
  readonly stderr?: Writable & { isTTY?: boolean };
}

export const name = "check";
export const summary = "replay traces under rule sets and give the verdicts (bug, clean, undecidable)";
export const usage = "racelab check <trace|file>... [--rules unpatched|patched|fix[,fix…]]... [--json]";
export const help = `${usage}

Replays the trace in recorded order under the rule set (default unpatched) and
prints the verdict with its findings (race, effect, seq, source line, message
in kernel terms), warnings, and the events the rules made wait (reordered).
<trace> is a trace id or name; a path to a file imports it first (.scenario
files with the scenario parser, kernel traces with the ftrace importer).
Several traces and several --rules: every (trace, rule set) pair, traces in
argument order, each under the rule sets in --rules order, in one process.

Rule sets: unpatched (no fix), patched (all ${FIX_IDS.length}), or fix ids, comma-separated:
  ${FIX_IDS.join(",\n  ")}

Verdicts are stored (per trace, rule set and replay engine version): checking
a trace again answers from the store until the trace changes (an append).

After the verdict, one coverage line per race: the chains (and writeout
phases) of the kinds the race is made of, how many are unbound, where its two
sides came closest on one block group, and whether a reordering of the events
there (each task keeping its order) reaches the race's bug under unpatched.

--json prints {"verdict","rules","findings":[{"race","effect","seq","line","message"}],
"warnings","reordered", "undecided","deferredAtEnd","gaps","trace","ruleSet","race",
"coverage":{"<race>":{"chains":{"<kind>":n},"unbound","closest":{"blockGroup","ns",
"sides":[{"kind","step","seq","line","pid"},…]}|null,"reachable":true|false|null}}};
with several pairs one such object per line (JSON lines), in the order above.
Exit code 0 whatever the verdict.
`;

type FlagSpec = { type: "string" | "boolean"; multiple?: boolean };
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export function parseFlags(cmd: string, argv: readonly string[], options: Record<string, FlagSpec>): { values: FlagValues; positionals: string[] } {
  try {
    const r = parseArgs({ args: [...argv], options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    return { values: r.values as FlagValues, positionals: r.positionals };
  } catch (err) {
    throw new DomainError("BAD_USER_INPUT", `${cmd}: ${(err as Error).message}`);
  }
}

/** A --rules value (`unpatched`, `patched`, fix ids separated by commas), checked; default unpatched. */
export function ruleSetArg(cmd: string, v: string | boolean | string[] | undefined): string {
  const spec = v === undefined ? "unpatched" : String(v);
  try {
    resolveRules([spec]);
  } catch (err) {
    if (err instanceof DomainError) throw new DomainError("BAD_USER_INPUT", `${cmd}: --rules: ${err.message}`, { cause: err });
    throw err;
  }
  return spec;
}

/** Runs a replay job of a command, with a progress bar on stderr (a terminal) while it runs longer than a second. */
export async function withReplay<T>(ctx: ReplayCommandContext, job: (service: ReplayServiceX) => Promise<T>): Promise<T> {
  const bar = ctx.stderr ? terminalProgress(ctx.stderr) : null;
  try {
    return await job(createReplayService(ctx.store, { progress: bar?.update }));
  } finally {
    bar?.stop();
  }
}

export interface CheckArgs {
  readonly help: boolean;
  /** Trace ids or names, or files, in argument order. */
  readonly targets: readonly string[];
  /** Rule set specs, one per --rules, in order. */
  readonly rules: readonly string[];
  readonly json: boolean;
}

/** Checks the flags, rule sets and operands; opens nothing. */
export function parse(argv: readonly string[]): CheckArgs {
  const { values, positionals } = parseFlags("check", argv, { rules: { type: "string", multiple: true }, json: { type: "boolean" } });
  if (values.help) return { help: true, targets: [], rules: [], json: false };
  if (positionals.length === 0) throw new DomainError("BAD_USER_INPUT", `check: expected a trace or file; usage: ${usage}`);
  const rules = ((values.rules as string[] | undefined) ?? ["unpatched"]).map((r) => ruleSetArg("check", r));
  return { help: false, targets: positionals, rules, json: values.json === true };
}

/** The stable --json form of a check (README). */
export function checkJson(rep: TraceCheckReport) {
  return {
    verdict: rep.verdict,
    rules: rep.rules,
    findings: rep.findings.map((f) => ({ race: f.race, effect: f.effect, seq: f.seq, line: f.line, message: f.message })),
    warnings: rep.warnings,
    reordered: rep.reordered,
    undecided: rep.undecided,
    deferredAtEnd: rep.deferredAtEnd,
    gaps: rep.gaps,
    trace: rep.trace,
    ruleSet: rep.ruleSet,
    race: rep.race,
    coverage: rep.coverage,
  };
}

export async function run(argv: readonly string[], ctx: ReplayCommandContext): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    await write(ctx.stdout, help);
    return 0;
  }
  // Files are imported (or found by their content) before anything is replayed.
  const traces: TraceInfo[] = [];
  for (const target of args.targets) traces.push(await resolveTraceArg(ctx.store, target));
  for (const trace of traces) {
    const reports = await withReplay(ctx, (service) => service.checks(trace.id, args.rules.map((r) => [r])));
    for (const rep of reports) {
      await write(ctx.stdout, args.json ? `${JSON.stringify(checkJson(rep))}\n` : renderCheck(rep, `${printable(trace.name)} (${trace.id})`));
    }
  }
  return 0;
}

export const runCheck = run;
