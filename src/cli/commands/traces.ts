/** `racelab traces [--json]`: the stored traces. */
import type { TraceInfo } from "../../events/store.ts";
import { parseCommandArgs, write, type CommandContext, type OptionSpecs } from "../command.ts";
import { printable } from "../../names.ts";

export const name = "traces";
export const summary = "list the stored traces";
export const usage = "racelab traces [--json]";
export const options: OptionSpecs = {
  json: {
    type: "boolean",
    description: 'print a JSON array: [{"id","name","events","format","file","hash","createdAt","meta"}]',
  },
};

/** The stable --json form of a trace (README, "racelab traces --json"). */
export function traceJson(t: TraceInfo) {
  return {
    id: t.id,
    name: t.name,
    events: t.version,
    format: t.source.format,
    file: t.source.file,
    hash: t.source.hash,
    createdAt: t.createdAt.toISOString(),
    meta: t.meta,
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd()).join("\n") + "\n";
}

/** Checks the flags and operands; opens nothing. */
export const parse = (argv: readonly string[]) => parseCommandArgs(name, argv, options);

export async function run(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values } = parse(argv);
  const traces = await ctx.store.listTraces();
  if (values.json) {
    await write(ctx.stdout, `${JSON.stringify(traces.map(traceJson))}\n`);
    return 0;
  }
  if (traces.length === 0) {
    await write(ctx.stdout, "no traces yet (racelab import <file> stores one)\n");
    return 0;
  }
  const rows = [["ID", "NAME", "EVENTS", "FORMAT", "CREATED", "FILE"]];
  for (const t of traces) {
    rows.push([t.id, printable(t.name), String(t.version), t.source.format, t.createdAt.toISOString().replace("T", " ").slice(0, 19), printable(t.source.file ?? "")]);
  }
  await write(ctx.stdout, table(rows));
  return 0;
}
