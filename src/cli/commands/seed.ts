/**
 * `racelab seed [--json]`: stores every seeds/*.scenario as a trace (named
 * after the file). Idempotent: a scenario whose content is stored already is
 * found by its hash and not stored again. All files are parsed before any is
 * stored, so a bad file stores nothing.
 */
import { RACE_IDS } from "../../events/races.ts";
import { DomainError } from "../../errors.ts";
import { write } from "../command.ts";
import { SEEDS_DIR, seedScenarios } from "../../scenario/load.ts";
import { type ReplayCommandContext, parseFlags } from "./check.ts";
import { printable } from "../../names.ts";

export const name = "seed";
export const summary = "load the seed scenarios (seeds/*.scenario) as traces";
export const usage = "racelab seed [--dir DIR] [--json]";
export const help = `${usage}

Stores each scenario file of seeds/ (or DIR) as a trace named after the file,
e.g. ${RACE_IDS[0]} and ${RACE_IDS[0]}.benign. Content already stored
is not stored again. --json prints [{"name","trace","events","existing"}].
`;

/** Checks the flags; opens nothing. */
export function parse(argv: readonly string[]) {
  const { values, positionals } = parseFlags("seed", argv, { dir: { type: "string" }, json: { type: "boolean" } });
  if (positionals.length > 0) throw new DomainError("BAD_USER_INPUT", `seed: unexpected argument "${positionals[0]}"; usage: ${usage}`);
  return values;
}

export async function run(argv: readonly string[], ctx: ReplayCommandContext): Promise<number> {
  const values = parse(argv);
  if (values.help) {
    await write(ctx.stdout, help);
    return 0;
  }
  const loaded = await seedScenarios(ctx.store, typeof values.dir === "string" ? values.dir : SEEDS_DIR);
  if (values.json) {
    await write(ctx.stdout, `${JSON.stringify(loaded.map((l) => ({ name: l.name, trace: l.trace.id, events: l.trace.version, existing: l.existing })))}\n`);
  } else {
    for (const l of loaded) await write(ctx.stdout, `${l.existing ? "present" : "stored "}  ${printable(l.name).padEnd(44)} ${String(l.trace.version).padStart(3)} events  ${l.trace.id}\n`);
  }
  return 0;
}

export const runSeed = run;
