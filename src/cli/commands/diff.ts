/**
 * `racelab diff <trace> --from A --to B [--rules R] [--json]`: what changed
 * in the filesystem state between two points of a trace.
 */
import { DomainError } from "../../errors.ts";
import { write } from "../command.ts";
import { renderDiff } from "../../replay/render.ts";
import { createReplayService } from "../../replay/service.ts";
import { resolveRules } from "../../rules/index.ts";
import { type ReplayCommandContext, parseFlags, resolveTraceArg } from "./check.ts";
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

export async function run(argv: readonly string[], ctx: ReplayCommandContext): Promise<number> {
  const { values, positionals } = parseFlags("diff", argv, { from: { type: "string" }, to: { type: "string" }, rules: { type: "string" }, json: { type: "boolean" } });
  if (values.help) {
    await write(ctx.stdout, help);
    return 0;
  }
  if (positionals.length !== 1) throw new DomainError("BAD_USER_INPUT", `diff: expected one trace; usage: ${usage}`);
  const from = seqArg("--from", values.from);
  const to = seqArg("--to", values.to);
  const rules = [String(values.rules ?? "unpatched")];
  const trace = await resolveTraceArg(ctx.store, positionals[0]!);
  const d = await createReplayService(ctx.store).diff(trace.id, from, to, rules);
  await write(ctx.stdout, values.json ? `${JSON.stringify(d)}\n` : renderDiff(d, printable(trace.name), resolveRules(rules).key));
  return 0;
}

export const runDiff = run;
