/**
 * `racelab import <file|-> [--name N] [--format auto|ftrace|trace-cmd|jsonl]
 *  [--skip-invalid] [--map FILE]... [--quiet] [--json]`
 *
 * Imports a kernel trace (ftrace `trace`/`trace_pipe`, `trace-cmd report`,
 * racelab JSON lines; plain or gzip; `-` for stdin) as a trace of events.
 * Thin: parses flags, calls `importFile`, prints. A progress bar on a
 * terminal (stderr), quiet otherwise or with --quiet.
 */
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { DomainError } from "../../errors.ts";
import type { EventStore } from "../../events/store.ts";
import { FORMAT_OPTIONS, type FormatOption } from "../../ftrace/detect.ts";
import { importFile, type ImportProgress, type ImportResult } from "../../ftrace/import.ts";
import { printable } from "../../names.ts";

/** What the command needs from the CLI framework (the shape of the other command modules' context). */
export interface ImportCommandContext {
  readonly store: EventStore;
  readonly stdout: Writable;
  readonly stderr?: Writable & { isTTY?: boolean };
  /** Standard input for `-` (default process.stdin). */
  readonly stdin?: Readable;
}

export const name = "import";
export const summary = "import a kernel trace (ftrace, trace-cmd report, JSON lines; plain or gzip) as a trace";
export const usage = `racelab import <file|-> [--name N] [--format auto|ftrace|trace-cmd|jsonl] [--skip-invalid] [--map FILE] [--quiet|--progress] [--json]`;
export const help = `${usage}

Reads <file> (or standard input for -), plain or gzip, and stores its events
as one trace, in one transaction: a malformed line stops the import with
file:line and nothing is stored. Importing the same content again returns the
trace already imported, unless --name asks for a new one.

Formats (detected from the header and first lines unless --format says):
  ftrace     the tracing 'trace' file or trace_pipe of the function, nop and
             function_graph tracers (any of the usual options)
  trace-cmd  'trace-cmd report' output (binary trace.dat: run trace-cmd report first)
  jsonl      racelab's JSON lines, one event per line

Options:
  --name N          trace name (default: the file's name)
  --format F        auto (default), ftrace, trace-cmd, jsonl
  --skip-invalid    import the rest and list the malformed lines
  --map FILE        extra mapping table (JSON, as seeds/ftrace-map.json); repeatable.
                    RACELAB_FTRACE_MAP=file[:file] does the same
  --quiet           no progress bar (the default when stderr is not a terminal)
  --progress        progress on stderr even when it is not a terminal: one line
                    "progress <lines> lines <events> events" every 65536 lines
  --json            print {"trace","name","existing","format","events","lines",
                    "unmapped":{name:count},"skipped":[line],"gaps":[line],"warnings":{code:count}}
`;

export interface ImportArgs {
  readonly help: boolean;
  readonly file: string;
  readonly name?: string;
  readonly format: FormatOption;
  readonly skipInvalid: boolean;
  readonly mapFiles: string[];
  readonly quiet: boolean;
  readonly progress: boolean;
  readonly json: boolean;
}

/** Parses the command's arguments (after `import`). Throws DomainError BAD_USER_INPUT. */
export function parseImportArgs(argv: readonly string[]): ImportArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: "string" },
        format: { type: "string", default: "auto" },
        "skip-invalid": { type: "boolean", default: false },
        map: { type: "string", multiple: true, default: [] },
        quiet: { type: "boolean", default: false },
        progress: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    throw new DomainError("BAD_USER_INPUT", `import: ${(err as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (values.help)
    return { help: true, file: "", format: "auto", skipInvalid: false, mapFiles: [], quiet: false, progress: false, json: false };
  if (values.quiet && values.progress) throw new DomainError("BAD_USER_INPUT", "import: --quiet and --progress exclude each other");
  if (positionals.length !== 1)
    throw new DomainError("BAD_USER_INPUT", `import: expected one file (or -), got ${positionals.length}; usage: ${usage}`);
  const format = values.format as string;
  if (!(FORMAT_OPTIONS as readonly string[]).includes(format)) {
    throw new DomainError("BAD_USER_INPUT", `import: --format must be one of ${FORMAT_OPTIONS.join(", ")}, got "${format}"`);
  }
  if (values.name !== undefined && values.name.trim() === "") throw new DomainError("BAD_USER_INPUT", "import: --name must not be empty");
  return {
    help: false,
    file: positionals[0]!,
    name: values.name,
    format: format as FormatOption,
    skipInvalid: values["skip-invalid"] as boolean,
    mapFiles: values.map as string[],
    quiet: values.quiet as boolean,
    progress: values.progress as boolean,
    json: values.json as boolean,
  };
}

/** Runs `racelab import`; returns the exit code (errors are thrown as DomainError: the framework prints them). */
export async function run(argv: readonly string[], ctx: ImportCommandContext): Promise<number> {
  const args = parseImportArgs(argv);
  if (args.help) {
    ctx.stdout.write(help);
    return 0;
  }
  const io = { stdout: ctx.stdout, stderr: ctx.stderr ?? process.stderr, stdin: ctx.stdin ?? process.stdin };
  const bar = args.quiet ? null : io.stderr.isTTY ? progressBar(io.stderr, args.file) : args.progress ? progressLines(io.stderr) : null;
  let result: ImportResult;
  try {
    result = await importFile(ctx.store, args.file, {
      name: args.name,
      format: args.format,
      skipInvalid: args.skipInvalid,
      mapFiles: args.mapFiles,
      stdin: io.stdin,
      onProgress: bar?.update,
    });
  } finally {
    bar?.stop();
  }
  const { trace, existing, report } = result;
  if (args.json) {
    io.stdout.write(
      `${JSON.stringify({
        trace: trace.id,
        name: trace.name,
        existing,
        format: trace.source.format,
        events: report?.events ?? trace.version,
        lines: report?.lines ?? null,
        unmapped: report?.unmapped ?? {},
        skipped: report?.skipped ?? [],
        gaps: report?.gaps ?? [],
        warnings: report?.warningCounts ?? {},
        unbound: report?.unbound ?? null,
      })}\n`,
    );
    return 0;
  }
  if (existing) {
    io.stdout.write(`already imported: ${printable(trace.name)} (${trace.id}), ${trace.version} events; use --name to import it again\n`);
    return 0;
  }
  const r = report!;
  const parts = [`imported ${printable(trace.name)} (${trace.id}): ${r.events} events from ${r.lines} lines [${r.format}]`];
  const unmapped = Object.keys(r.unmapped);
  if (unmapped.length > 0) {
    const top = unmapped.slice(0, 5).map((n) => `${n}×${r.unmapped[n]}`);
    parts.push(`unmapped names: ${unmapped.length} (${top.join(", ")}${unmapped.length > 5 ? ", …" : ""})`);
  }
  if (r.unbound > 0) parts.push(`unbound events: ${r.unbound}`);
  if (r.gaps.length > 0) parts.push(`gaps at lines ${r.gaps.slice(0, 10).join(", ")}${r.gaps.length > 10 ? ", …" : ""}`);
  if (r.skipped.length > 0) parts.push(`skipped invalid lines: ${r.skipped.join(", ")}`);
  const warnings = Object.entries(r.warningCounts);
  if (warnings.length > 0) parts.push(`warnings: ${warnings.map(([c, n]) => `${c}×${n}`).join(", ")}`);
  io.stdout.write(`${parts.join("\n  ")}\n`);
  return 0;
}

function progressLines(stream: Writable): { update: (p: ImportProgress) => void; stop: () => void } {
  return { update: (p) => void stream.write(`progress ${p.lines} lines ${p.events} events\n`), stop: () => {} };
}

function progressBar(stream: Writable, file: string): { update: (p: ImportProgress) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: `importing ${file} |{bar}| {percentage}% | {lines} lines | {events} events | {rate} lines/s`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let running = false;
  return {
    update: (p) => {
      const secs = Math.max(0.001, (Date.now() - started) / 1000);
      const payload = { lines: p.lines, events: p.events, rate: Math.round(p.lines / secs) };
      if (!running) {
        bar.start(Math.max(1, p.totalBytes), p.bytes, payload);
        running = true;
      } else bar.update(p.bytes, payload);
    },
    stop: () => {
      if (running) bar.stop();
    },
  };
}
