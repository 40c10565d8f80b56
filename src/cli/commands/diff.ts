/**
 * `racelab diff <trace> --from A --to B [--rules R] [--json]`: what changed
 * in the filesystem state between two points of a trace.
 */
import { DomainError } from "../../errors.ts";
import { write } from "../command.ts";
import { renderDiff } from "../../replay/render.ts";
import { resolveRules } from "../../rules/index.ts";
import { resolveTraceArg } from "../../trace-arg.ts";
import { type ReplayCommandContext, withReplay, parseFlags, ruleSetArg } from "./check.ts";
import { seqArg } from "./state.ts";
import { printable } from "../../names.ts";

export const name = "diff";
export const summary = "what changed in the filesystem state between two sequence numbers";
export const usage = "racelab diff <trace> --from <seq> --to <seq> [--rules R] [--json]";
export const help = `${usage}

Compares the state at --from and at --to (as racelab state gives them) under
the rule set (default unpatched) and lists each change by path, e.g.
blockGroups[30408704].ro: 0 → 1.

--json prints {"from","to","changes":[{"path","before","after"}]}.
`;

/** Checks the flags, --from/--to, the rule set and the operand; opens nothing. */
export function parse(argv: readonly string[]): { help: boolean; trace: string; from: number; to: number; rules: string; json: boolean } {
  const { values, positionals } = parseFlags("diff", argv, { from: { type: "string" }, to: { type: "string" }, rules: { type: "string" }, json: { type: "boolean" } });
  if (values.help) return { help: true, trace: "", from: 0, to: 0, rules: "", json: false };
  if (positionals.length !== 1) throw new DomainError("BAD_USER_INPUT", `diff: expected one trace; usage: ${usage}`);
  const from = seqArg("--from", values.from);
  const to = seqArg("--to", values.to);
  return { help: false, trace: positionals[0]!, from, to, rules: ruleSetArg("diff", values.rules), json: values.json === true };
}

export async function run(argv: readonly string[], ctx: ReplayCommandContext): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    await write(ctx.stdout, help);
    return 0;
  }
  const trace = await resolveTraceArg(ctx.store, args.trace);
  const d = await withReplay(ctx, (service) => service.diff(trace.id, args.from, args.to, [args.rules]));
  await write(ctx.stdout, args.json ? `${JSON.stringify(d)}\n` : renderDiff(d, printable(trace.name), resolveRules([args.rules]).key));
  return 0;
}

export const runDiff = run;
