/** `racelab events <trace> [--from N] [--to M] [--json]`: the events of a trace, in order. */
import { DomainError } from "../../errors.ts";
import { encodeEvent } from "../../events/catalog.ts";
import { payloadText } from "../../events/describe.ts";
import { taskName } from "../../events/task.ts";
import { printable } from "../../names.ts";
import { timestamp } from "../../events/units.ts";
import type { StoredEvent } from "../../events/types.ts";
import { parseCommandArgs, positiveInt, write, type CommandContext, type OptionSpecs } from "../command.ts";
import { traceArg } from "./resolve.ts";

export const name = "events";
export const summary = "print the events of a trace (id or name), in order";
export const usage = "racelab events <trace> [--from N] [--to M] [--json]";
export const options: OptionSpecs = {
  from: { type: "string", value: "N", description: "first sequence number (default 1)" },
  to: { type: "string", value: "M", description: "last sequence number, inclusive (default: the last event)" },
  json: {
    type: "boolean",
    description: 'JSON lines, one event per line: {"seq","type","data","origin","chain"} (addresses as decimal strings)',
  },
};

/** The stable --json form of an event: the catalog's wire form with its seq first. */
export function eventJson(e: StoredEvent) {
  return { seq: e.seq, ...encodeEvent(e) };
}


/**
 * One line: seq, source line, cpu, timestamp (seconds.microseconds, as ftrace
 * prints it; - when the log has none), task-pid, type, arguments (addresses
 * in hex, sizes with a unit, ? = unknown), chain.
 */
export function eventLine(e: StoredEvent): string {
  const o = e.origin;
  const args = payloadText(e.data, { unknown: true });
  const chain = e.chain ? `  [${e.chain.kind}#${e.chain.id}]` : "";
  const line = o.line === null ? "-" : `${o.line}${o.lineSeq ? `.${o.lineSeq}` : ""}`;
  const time = o.ts === null ? "-" : timestamp(o.ts);
  return `${String(e.seq).padStart(7)}  ${line.padStart(9)}  ${String(o.cpu ?? "?").padStart(3)}  ${time.padStart(15)}  ${printable(taskName(o.pid, o.comm)).padEnd(22)}  ${e.type.padEnd(18)}  ${args}${chain}`.trimEnd();
}

/** Checks the flags, the range and the operand; opens nothing. */
export function parse(argv: readonly string[]): { trace: string; from: number; to: number | undefined; json: boolean } {
  const { values, positionals } = parseCommandArgs(name, argv, options, [1, 1]);
  const from = values.from === undefined ? 1 : positiveInt("--from", values.from);
  const to = values.to === undefined ? undefined : positiveInt("--to", values.to);
  if (to !== undefined && to < from) throw new DomainError("BAD_USER_INPUT", `--to ${to} is before --from ${from}`);
  return { trace: positionals[0]!, from, to, json: values.json === true };
}

export async function run(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { from, to, json, ...args } = parse(argv);
  const trace = await traceArg(ctx.store, args.trace);
  if (!json) {
    await write(ctx.stdout, `# ${printable(trace.name)} (${trace.id}), ${trace.version} events\n`);
    await write(ctx.stdout, `${"SEQ".padStart(7)}  ${"LINE".padStart(9)}  CPU  ${"TIME".padStart(15)}  ${"TASK-PID".padEnd(22)}  ${"TYPE".padEnd(18)}  ARGS\n`);
  }
  for await (const page of ctx.store.stream(trace.id, { from, to })) {
    const text = page.map((e) => (json ? JSON.stringify(eventJson(e)) : eventLine(e))).join("\n");
    await write(ctx.stdout, `${text}\n`);
  }
  return 0;
}
