/**
 * The command registry: one line per command, name and loader. Modules are
 * loaded on use, so one command's breakage does not take the others down.
 * A module's shape: src/cli/command.ts (CommandModule).
 */
import type { CommandEntry, CommandModule } from "../command.ts";

const load = (p: Promise<unknown>) => p as Promise<CommandModule>;

export const COMMANDS: readonly CommandEntry[] = [
  { name: "db migrate", load: () => load(import("./db.ts")) },
  { name: "traces", load: () => load(import("./traces.ts")) },
  { name: "events", load: () => load(import("./events.ts")) },
  { name: "delete", load: () => load(import("./delete.ts")) },
  { name: "import", load: () => load(import("./import.ts")) },
  { name: "explore", load: () => load(import("./explore.ts")) },
  { name: "check", load: () => load(import("./check.ts")) },
  { name: "state", load: () => load(import("./state.ts")) },
  { name: "diff", load: () => load(import("./diff.ts")) },
  { name: "seed", load: () => load(import("./seed.ts")) },
  { name: "demo", load: () => load(import("./demo.ts")) },
  { name: "serve", load: () => load(import("./serve.ts")) },
  { name: "worker", load: () => load(import("./worker.ts")) },
  { name: "exercise", load: () => load(import("./exercise.ts")) },
  { name: "user", load: () => load(import("./user.ts")) },
  { name: "record", load: () => load(import("./record.ts")) },
];
