/**
 * `racelab state <trace> --at <seq> [--rules R] [--json]`: the filesystem
 * state after the replay processed recorded events 1..seq (time travel from
 * the nearest snapshot).
 */
import { DomainError } from "../../errors.ts";
import { write } from "../command.ts";
import { renderState } from "../../replay/render.ts";
import { resolveTraceArg } from "../../trace-arg.ts";
import { type ReplayCommandContext, withReplay, parseFlags, ruleSetArg } from "./check.ts";
import { printable } from "../../names.ts";

export const name = "state";
export const summary = "the filesystem state of a trace at a sequence number, under a rule set";
export const usage = "racelab state <trace> --at <seq> [--rules R] [--json]";
export const help = `${usage}

Block groups, extent maps, device extents, the running transaction, lock M and
every task's status after the replay processed recorded events 1..<seq>
(0 = before the first), under the rule set (default unpatched). Events a task
still waits to apply at that point are listed as deferred. The first call for
a trace and rule set builds its snapshots; later calls fold at most a few
hundred events from the nearest one.

--json prints the state view (src/replay/types.ts FsStateView, plus "deferred"
and "stopped").
`;

export function seqArg(flag: string, v: unknown): number {
  if (typeof v !== "string" || !/^[0-9]+$/.test(v)) throw new DomainError("BAD_USER_INPUT", `${flag}: expected a sequence number (0, 1, 2, …), got ${JSON.stringify(v ?? null)}`);
  return Number(v);
}

/** Checks the flags, --at, the rule set and the operand; opens nothing. */
export function parse(argv: readonly string[]): { help: boolean; trace: string; at: number; rules: string; json: boolean } {
  const { values, positionals } = parseFlags("state", argv, { at: { type: "string" }, rules: { type: "string" }, json: { type: "boolean" } });
  if (values.help) return { help: true, trace: "", at: 0, rules: "", json: false };
  if (positionals.length !== 1) throw new DomainError("BAD_USER_INPUT", `state: expected one trace; usage: ${usage}`);
  return { help: false, trace: positionals[0]!, at: seqArg("--at", values.at), rules: ruleSetArg("state", values.rules), json: values.json === true };
}

export async function run(argv: readonly string[], ctx: ReplayCommandContext): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    await write(ctx.stdout, help);
    return 0;
  }
  const trace = await resolveTraceArg(ctx.store, args.trace);
  const view = await withReplay(ctx, (service) => service.stateAt(trace.id, args.at, [args.rules]));
  await write(ctx.stdout, args.json ? `${JSON.stringify(view)}\n` : renderState(view, printable(trace.name)));
  return 0;
}

export const runState = run;
