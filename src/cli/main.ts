/**
 * `racelab` entry: dispatches to a command module (commands/index.ts),
 * answers --help, opens the store for the command and closes it, and turns
 * errors into one line on stderr and an exit code.
 */
import fs from "node:fs";
import type { Readable, Writable } from "node:stream";
import { DomainError, type ErrorCode } from "../errors.ts";
import { COMMANDS } from "./commands/index.ts";
import { helpText, openResources, withStore, type CommandContext, type CommandEntry, type CommandModule } from "./command.ts";

export interface MainIO {
  readonly stdout: Writable;
  readonly stderr: Writable & { isTTY?: boolean };
  readonly stdin: Readable;
  readonly env: NodeJS.ProcessEnv;
}

const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 2,
  INVALID_TRACE: 2,
  NOT_FOUND: 3,
  CONFLICT: 4,
  DATABASE: 5,
};

export function exitCodeOf(err: unknown): number {
  return err instanceof DomainError ? (EXIT_CODES[err.code] ?? 1) : 1;
}

/** One line naming what went wrong: multi-line messages (Prisma's) keep their last line, which states the cause. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const line = (lines.length > 1 ? lines[lines.length - 1] : lines[0]) ?? (err instanceof Error ? err.name : "error");
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

function version(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

async function loadAll(): Promise<{ entry: CommandEntry; mod: CommandModule | null; error: unknown }[]> {
  return Promise.all(
    COMMANDS.map(async (entry) => {
      try {
        return { entry, mod: await entry.load(), error: null };
      } catch (error) {
        return { entry, mod: null, error };
      }
    }),
  );
}

async function generalHelp(prefix = ""): Promise<string> {
  const all = (await loadAll()).filter(({ entry }) => entry.name.startsWith(prefix));
  const width = Math.max(...all.map(({ entry }) => entry.name.length)) + 2;
  const lines = all.map(({ entry, mod, error }) =>
    `  ${entry.name.padEnd(width)}${mod ? mod.summary : `(unavailable: ${oneLine(error)})`}`,
  );
  return [
    "racelab — replays btrfs block-group races recorded in kernel ftrace logs, as an event-sourced record in PostgreSQL",
    "",
    "Usage: racelab <command> [arguments] [--json] [--debug]",
    "",
    "Commands:",
    ...lines,
    "",
    "racelab <command> --help describes a command. --debug shows stack traces of errors.",
    "Database: DATABASE_URL selects a PostgreSQL server; without it racelab uses an embedded",
    "PostgreSQL in ./.racelab (RACELAB_DATA_DIR overrides). Migrations are applied on start.",
    "",
  ].join("\n");
}

/** The command named by the first one or two words of argv, and the remaining arguments. */
function findCommand(argv: readonly string[]): { entry: CommandEntry; rest: string[] } | null {
  if (argv.length >= 2) {
    const two = COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1]}`);
    if (two) return { entry: two, rest: argv.slice(2) };
  }
  const one = COMMANDS.find((c) => c.name === argv[0]);
  return one ? { entry: one, rest: argv.slice(1) } : null;
}

/** Arguments before a `--` terminator (flags after it are operands). */
function flagsPart(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf("--");
  return end < 0 ? argv : argv.slice(0, end);
}

export async function main(argvIn: readonly string[], io: MainIO = defaultIO()): Promise<number> {
  const debug = flagsPart(argvIn).includes("--debug");
  const end = argvIn.indexOf("--");
  const argv = argvIn.filter((a, i) => !(a === "--debug" && (end < 0 || i < end)));
  try {
    const head = argv[0];
    if (head === undefined || head === "--help" || head === "-h" || (head === "help" && argv.length === 1)) {
      io.stdout.write(await generalHelp());
      return 0;
    }
    if (head === "--version" || head === "-V") {
      io.stdout.write(`racelab ${version()}\n`);
      return 0;
    }
    const helpFor = head === "help" ? argv.slice(1) : null;
    const found = findCommand(helpFor ?? argv);
    if (!found) {
      const group = COMMANDS.filter((c) => c.name.startsWith(`${(helpFor ?? argv)[0]} `));
      if (group.length > 0) {
        // `racelab db` or `racelab db --help`: the group's commands.
        io.stdout.write(await generalHelp(`${(helpFor ?? argv)[0]} `));
        return helpFor || flagsPart(argv).some((a) => a === "--help" || a === "-h") ? 0 : 2;
      }
      throw new DomainError("BAD_USER_INPUT", `unknown command "${(helpFor ?? argv)[0]}" (racelab --help lists the commands)`);
    }
    let mod: CommandModule;
    try {
      mod = await found.entry.load();
    } catch (err) {
      throw new DomainError("INTERNAL", `command ${found.entry.name} cannot be loaded: ${oneLine(err)}`, { cause: err });
    }
    if (helpFor || flagsPart(found.rest).some((a) => a === "--help" || a === "-h")) {
      io.stdout.write(helpText(mod));
      return 0;
    }
    // Refused flags and operands are refused before anything is opened.
    mod.parse(found.rest);
    const base = { stdout: io.stdout, stderr: io.stderr, stdin: io.stdin, env: io.env, debug };
    if (mod.needsStore === false) return await mod.run(found.rest, base as CommandContext);
    return await withSignals(() => withStore((store) => mod.run(found.rest, { ...base, store })));
  } catch (err) {
    // The reader went away (`racelab events … | head`): nothing left to say to anyone.
    if ((err as NodeJS.ErrnoException)?.code === "EPIPE") return 0;
    io.stderr.write(`racelab: ${oneLine(err)}\n`);
    if (debug) io.stderr.write(`${debugDetail(err)}\n`);
    return exitCodeOf(err);
  }
}

function debugDetail(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e));
    e = e instanceof Error ? (e as Error & { cause?: unknown }).cause : null;
    if (e) parts.push("caused by:");
  }
  return parts.join("\n");
}

/** Ctrl-C during a command closes the database (the embedded one shuts down cleanly), then exits. */
async function withSignals<T>(fn: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === "SIGINT" ? 130 : 143;
    const closing = [...openResources].map((close) => close().catch(() => {}));
    const timer = setTimeout(() => process.exit(code), 5000);
    void Promise.all(closing).then(() => {
      clearTimeout(timer);
      process.exit(code);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await fn();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function defaultIO(): MainIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
