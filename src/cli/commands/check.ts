/**
 * `racelab check <trace|file> [--rules R] [--json]`: replays a trace under a
 * rule set and prints the verdict. A file is imported first (`.scenario`
 * through the scenario parser, anything else through the ftrace importer);
 * re-checking the same file finds the earlier import by its content hash.
 * The verdict is output, not failure: the exit code is 0 for bug, clean and
 * undecidable alike.
 */
import { existsSync, statSync } from "node:fs";
import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { DomainError } from "../../errors.ts";
import { write } from "../command.ts";
import type { EventStore, ReplayStore, TraceInfo } from "../../events/store.ts";
import { createReplayService } from "../../replay/service.ts";
import { renderCheck } from "../../replay/render.ts";
import { loadScenarioFile, storeScenario } from "../../scenario/load.ts";
import { printable } from "../../names.ts";

/** What the replay commands need from the CLI framework. */
export interface ReplayCommandContext {
  readonly store: ReplayStore;
  readonly stdout: Writable;
  readonly stderr?: Writable;
}

export const name = "check";
export const summary = "replay a trace under a rule set and give the verdict (bug, clean, undecidable)";
export const usage = "racelab check <trace|file> [--rules unpatched|patched|fix[,fix…]] [--json]";
export const help = `${usage}

Replays the trace in recorded order under the rule set (default unpatched) and
prints the verdict with its findings (race, effect, seq, source line, message
in kernel terms), warnings, and the events the rules made wait (reordered).
<trace> is a trace id or name; a path to a file imports it first (.scenario
files with the scenario parser, kernel traces with the ftrace importer).

Rule sets: unpatched (no fix), patched (all four), or fix ids, comma-separated:
  delete-unused-bgs-mutex, pin-chunks-during-trim, retry-enoent-cache-writeout,
  scrub-skip-removed-chunk

--json prints {"verdict","rules","findings":[{"race","effect","seq","line","message"}],
"warnings","reordered", "undecided","deferredAtEnd","gaps","trace","ruleSet","race"}.
Exit code 0 whatever the verdict.
`;

export function parseFlags(
  cmd: string,
  argv: readonly string[],
  options: Record<string, { type: "string" | "boolean" }>,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: [...argv], options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (err) {
    throw new DomainError("BAD_USER_INPUT", `${cmd}: ${(err as Error).message}`);
  }
}

/** A trace id/name, or a file to import first. */
export async function resolveTraceArg(store: EventStore, arg: string): Promise<TraceInfo> {
  if (existsSync(arg) && statSync(arg).isFile()) {
    if (arg.endsWith(".scenario")) return (await storeScenario(store, loadScenarioFile(arg))).trace;
    let mod: { importFile: (s: EventStore, f: string) => Promise<{ trace: TraceInfo }> };
    try {
      mod = (await import("../../ftrace/import.ts")) as typeof mod;
    } catch (err) {
      throw new DomainError("BAD_USER_INPUT", `${arg}: cannot import this kind of file here (${(err as Error).message})`, { cause: err });
    }
    return (await mod.importFile(store, arg)).trace;
  }
  const t = await store.findTrace(arg);
  if (!t) throw new DomainError("NOT_FOUND", `no trace or file "${arg}" (racelab traces lists the traces)`);
  return t;
}

export async function run(argv: readonly string[], ctx: ReplayCommandContext): Promise<number> {
  const { values, positionals } = parseFlags("check", argv, { rules: { type: "string" }, json: { type: "boolean" } });
  if (values.help) {
    await write(ctx.stdout, help);
    return 0;
  }
  if (positionals.length !== 1) throw new DomainError("BAD_USER_INPUT", `check: expected one trace or file; usage: ${usage}`);
  const rules = [String(values.rules ?? "unpatched")];
  const trace = await resolveTraceArg(ctx.store, positionals[0]!);
  const r = await createReplayService(ctx.store).checkDetailed(trace.id, rules);
  const rep = r.report;
  if (values.json) {
    const out = {
      verdict: rep.verdict,
      rules: rep.rules,
      findings: rep.findings.map((f) => ({ race: f.race, effect: f.effect, seq: f.seq, line: f.line, message: f.message })),
      warnings: rep.warnings,
      reordered: rep.reordered,
      undecided: rep.undecided,
      deferredAtEnd: rep.deferredAtEnd,
      gaps: rep.gaps,
      trace: trace.id,
      ruleSet: rep.ruleSet,
      race: rep.race,
    };
    await write(ctx.stdout, `${JSON.stringify(out)}\n`);
  } else {
    await write(ctx.stdout, renderCheck(rep, `${printable(trace.name)} (${trace.id})`));
  }
  return 0;
}

export const runCheck = run;
