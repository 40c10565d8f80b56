/** `racelab delete <trace> [--json]`: deletes a trace with its events and everything derived from it. */
import { DomainError } from "../../errors.ts";
import { parseCommandArgs, write, type CommandContext, type OptionSpecs } from "../command.ts";
import { traceArg } from "./resolve.ts";
import { printable } from "../../names.ts";

export const name = "delete";
export const summary = "delete a trace (id or name) with its events and everything derived from it";
export const usage = "racelab delete <trace> [--json]";
export const options: OptionSpecs = {
  json: { type: "boolean", description: 'print {"deleted","name","events"}' },
};

/** Checks the flags and operands; opens nothing. */
export const parse = (argv: readonly string[]) => parseCommandArgs(name, argv, options, [1, 1]);

export async function run(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv);
  const arg = positionals[0]!;
  const trace = await traceArg(ctx.store, arg);
  if (trace.id !== arg) {
    // By name: refuse to guess between traces of the same name.
    const same = (await ctx.store.listTraces()).filter((t) => t.name === arg);
    if (same.length > 1) {
      throw new DomainError("BAD_USER_INPUT", `${same.length} traces are named "${arg}": give the id (${same.map((t) => t.id).join(", ")})`);
    }
  }
  if (!(await ctx.store.deleteTrace(trace.id))) throw new DomainError("NOT_FOUND", `no trace ${JSON.stringify(arg)} (deleted meanwhile)`);
  await write(
    ctx.stdout,
    values.json
      ? `${JSON.stringify({ deleted: trace.id, name: trace.name, events: trace.version })}\n`
      : `deleted trace ${printable(trace.name)} (${trace.id}) and its ${trace.version} events\n`,
  );
  return 0;
}
