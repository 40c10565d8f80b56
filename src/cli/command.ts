/**
 * The CLI's small framework: what a command module is, the context it runs
 * with, and shared helpers. A command is one self-contained module in
 * `src/cli/commands/`; registering it is one line in `commands/index.ts`.
 *
 * A command module exports:
 *   name      "traces", or "db migrate" for a two-word command
 *   summary   one line for `racelab --help`
 *   usage     the synopsis line(s)
 *   help      full help text (optional; default: usage + the options' descriptions)
 *   options   (optional) `OptionSpecs` for `parseCommandArgs`, described in the help
 *   needsStore (optional, default true) false: the command opens what it needs itself
 *   parse(argv) checks the arguments (flags, their values, operands) and throws
 *             BAD_USER_INPUT; main calls it before the database is opened
 *   run(argv, ctx) → exit code; argv = the arguments after the command name.
 *
 * `racelab <cmd> --help` is answered by main from `help` before anything is
 * opened; `--debug` is removed from argv by main (it shows stacks).
 * A module imports the database (pg, Prisma, PGlite) only through `withStore`
 * or `openCommandStore`, which load it when a command runs: `--help`,
 * `--version` and a refused flag load neither.
 * Errors: throw `DomainError` with a message that names what and where;
 * main prints `racelab: <message>` on one line and maps the code to the exit code.
 */
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import { DomainError } from "../errors.ts";
import type { PgEventStore } from "../events/pg-store.ts";
import type { OpenOptions } from "../db/connection.ts";

export interface CommandContext {
  /** The event store (EventStore + SnapshotStore; `store.db` is the Database). */
  readonly store: PgEventStore;
  readonly stdout: Writable;
  readonly stderr: Writable & { isTTY?: boolean };
  readonly stdin: Readable;
  readonly env: NodeJS.ProcessEnv;
  readonly debug: boolean;
}

/** The context of a command with `needsStore: false`. */
export type StorelessContext = Omit<CommandContext, "store">;

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /** For the help text. */
  readonly description: string;
  /** Placeholder of the value in the help text, e.g. "N". */
  readonly value?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface CommandModule {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly help?: string;
  readonly options?: OptionSpecs;
  readonly needsStore?: boolean;
  /** Checks argv without opening anything (main calls it first); throws DomainError BAD_USER_INPUT. */
  parse(argv: readonly string[]): unknown;
  run(argv: readonly string[], ctx: CommandContext): Promise<number>;
}

/** A registry line: the name (for dispatch without loading every module) and the module's loader. */
export interface CommandEntry {
  readonly name: string;
  readonly load: () => Promise<CommandModule>;
}

/** Help text of a command: its own `help`, else usage and the options described. */
export function helpText(cmd: CommandModule): string {
  if (cmd.help) return cmd.help.endsWith("\n") ? cmd.help : `${cmd.help}\n`;
  const rows: [string, string][] = Object.entries(cmd.options ?? {}).map(([name, o]) => [
    `  ${o.short ? `-${o.short}, ` : ""}--${name}${o.value ? ` ${o.value}` : ""}`,
    o.description,
  ]);
  rows.push(["  -h, --help", "this help"], ["  --debug", "show stack traces of errors"]);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [`Usage: ${cmd.usage}`, "", cmd.summary, "", "Options:", ...rows.map(([l, d]) => `${l.padEnd(width)}${d}`)];
  return `${lines.join("\n")}\n`;
}

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

/**
 * util.parseArgs with the command's options, strict; a bad flag is a
 * BAD_USER_INPUT error naming the command. `positionals` = [min, max] count.
 */
export function parseCommandArgs(cmd: string, argv: readonly string[], options: OptionSpecs, positionals: [number, number] = [0, 0]): ParsedArgs {
  const config: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(options)) {
    config[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true }) as ParsedArgs;
  } catch (err) {
    throw new DomainError("BAD_USER_INPUT", `${cmd}: ${firstLine((err as Error).message)}`, { cause: err });
  }
  const [min, max] = positionals;
  if (parsed.positionals.length < min) throw new DomainError("BAD_USER_INPUT", `${cmd}: missing argument (usage: racelab ${cmd} --help)`);
  if (parsed.positionals.length > max) {
    throw new DomainError("BAD_USER_INPUT", `${cmd}: unexpected argument "${parsed.positionals[max]}"`);
  }
  return parsed;
}

export function firstLine(s: string): string {
  return s.split("\n")[0]!.trim();
}

/** A positive integer flag value (sequence numbers). */
export function positiveInt(flag: string, v: unknown): number {
  if (typeof v !== "string" || !/^[1-9][0-9]*$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new DomainError("BAD_USER_INPUT", `${flag}: expected a positive integer, got ${JSON.stringify(v ?? null)}`);
  }
  return Number(v);
}

/** Closers of what the running command opened: main runs them on SIGINT/SIGTERM. */
export const openResources = new Set<() => Promise<void>>();

/** Opens the store (DATABASE_URL or the embedded database; migrations applied), loading the database modules then. */
export async function openCommandStore(opts: OpenOptions = {}): Promise<PgEventStore> {
  const { openStore } = await import("../events/pg-store.ts");
  return openStore(opts);
}

/** Opens the store (see `openCommandStore`), runs `fn`, and closes the store whatever happens. */
export async function withStore<T>(fn: (store: PgEventStore) => Promise<T>, opts: OpenOptions = {}): Promise<T> {
  const store = await openCommandStore(opts);
  const close = () => store.close();
  openResources.add(close);
  try {
    return await fn(store);
  } finally {
    openResources.delete(close);
    await store.close();
  }
}

/** Writes to a stream, waiting when it is full (large outputs such as `events --json`). */
export async function write(out: Writable, text: string): Promise<void> {
  if (out.destroyed || out.writableEnded) {
    throw Object.assign(new Error("output closed"), { code: "EPIPE" }); // the reader went away
  }
  if (!out.write(text)) {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        out.off("drain", done);
        out.off("error", done);
        out.off("close", done);
        if (err) reject(err);
        else resolve();
      };
      out.on("drain", done);
      out.on("error", done);
      out.on("close", done);
    });
  }
}
