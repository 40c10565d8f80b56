/**
 * A `<trace|file>` argument of the edges (CLI commands, the explorer): a
 * `.scenario` file or a kernel trace file, stored on first use (found again
 * by its content hash afterwards), or a stored trace's id or name.
 */
import { existsSync, statSync } from "node:fs";
import { DomainError } from "./errors.ts";
import type { EventStore, TraceInfo } from "./events/store.ts";
import { loadScenarioFile, storeScenario } from "./scenario/load.ts";

/** Is `arg` a file (rather than a stored trace's id or name)? */
export const isFileArg = (arg: string): boolean => existsSync(arg) && statSync(arg).isFile();

export async function resolveTraceArg(store: EventStore, arg: string): Promise<TraceInfo> {
  if (isFileArg(arg)) {
    if (arg.endsWith(".scenario")) return (await storeScenario(store, loadScenarioFile(arg))).trace;
    // Loaded only for a file: commands that never import start faster without the importer.
    let mod: { importFile: (s: EventStore, f: string) => Promise<{ trace: TraceInfo }> };
    try {
      mod = (await import("./ftrace/import.ts")) as typeof mod;
    } catch (err) {
      throw new DomainError("BAD_USER_INPUT", `${arg}: cannot import this kind of file here (${(err as Error).message})`, { cause: err });
    }
    return (await mod.importFile(store, arg)).trace;
  }
  const t = await store.findTrace(arg);
  if (!t) throw new DomainError("NOT_FOUND", `no trace or file "${arg}" (racelab traces lists the traces)`);
  return t;
}
