/**
 * `racelab import <file|->... [--name N] [--format auto|ftrace|trace-cmd|jsonl]
 *  [--skip-invalid] [--map FILE]... [--quiet] [--json]`
 *
 * Imports kernel traces (ftrace `trace`/`trace_pipe`, `trace-cmd report`,
 * racelab JSON lines; plain or gzip; `-` for stdin), each file as a trace of
 * events, one after the other in one process. Thin: parses flags, calls
 * `importFile` per file, prints. A progress bar on a terminal (stderr) for
 * an import longer than a second, quiet otherwise or with --quiet.
 */
import { statSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import { DomainError } from "../../errors.ts";
import type { EventStore } from "../../events/store.ts";
import { FORMAT_OPTIONS, type FormatOption } from "../../ftrace/detect.ts";
import { importFile, type ImportProgress, type ImportResult } from "../../ftrace/import.ts";
import type { LineBuckets } from "../../ftrace/report.ts";
import { printable } from "../../names.ts";
import { write } from "../command.ts";
import { terminalProgress } from "../progress.ts";

/** What the command needs from the CLI framework (the shape of the other command modules' context). */
export interface ImportCommandContext {
  readonly store: EventStore;
  readonly stdout: Writable;
  readonly stderr?: Writable & { isTTY?: boolean };
  /** Standard input for `-` (default process.stdin). */
  readonly stdin?: Readable;
}

export const name = "import";
export const summary = "import kernel traces (ftrace, trace-cmd report, JSON lines; plain or gzip), one trace per file";
export const usage = `racelab import <file|->... [--name N] [--format auto|ftrace|trace-cmd|jsonl] [--skip-invalid] [--map FILE] [--quiet|--progress] [--json]`;
export const help = `${usage}

Reads each <file> (or standard input for -), plain or gzip, and stores its
events as one trace, in one transaction: a malformed line stops the import with
file:line and nothing of that file is stored. Importing the same content again
returns the trace already imported, unless --name asks for a new one.
Several files are imported one after the other, in one process; a failure
stops there (the files before it stay imported).

Formats (detected from the header and first lines unless --format says):
  ftrace     the tracing 'trace' file or trace_pipe of the function, nop and
             function_graph tracers (any of the usual options)
  trace-cmd  'trace-cmd report' output (binary trace.dat: run trace-cmd report first)
  jsonl      racelab's JSON lines, one event per line

Options:
  --name N          trace name (default: the file's name); one file only
  --format F        auto (default), ftrace, trace-cmd, jsonl
  --skip-invalid    import the rest and list the malformed lines
  --map FILE        extra mapping table (JSON, as seeds/ftrace-map.json); repeatable.
                    RACELAB_FTRACE_MAP=file[:file] does the same
  --quiet           no progress bar (the default when stderr is not a terminal)
  --progress        progress on stderr even when it is not a terminal: one line
                    "progress <lines> lines <events> events" every 65536 lines
  --json            print {"trace","name","existing","format","events","lines",
                    "unmapped":{name:count},"skipped":[line],"gaps":[line],"warnings":{code:count},
                    "unbound","lineBuckets"}; with several files a JSON array of them, in argument order

Where every line went ("lineBuckets"; null for an import stored before it existed):
  {"events":E,"context":C,"noise":N,"eventsAtEnd":K,
   "byName":{name:{"events":e,"context":c,"noise":n}}}
  Each line of the file counts once, under its function or tracepoint name (or
  (blank), (header), (context switch), (gap marker), (exit), (stack trace),
  (irq marker), (trace_printk), bgr: <word>, (json event), (skipped)), in one
  bucket: events (it made an event), context (it made none but the import used
  it: a role, an annotation, a merge, a chain closed, a task named, the format),
  noise (it maps to nothing). E+C+N = lines. eventsAtEnd: events the end of the
  trace made (no line's). Past 10,000 names the rest count as "(other names)".
`;

export interface ImportArgs {
  readonly help: boolean;
  /** In argument order; `-` is standard input. */
  readonly files: string[];
  readonly name?: string;
  readonly format: FormatOption;
  readonly skipInvalid: boolean;
  readonly mapFiles: string[];
  readonly quiet: boolean;
  readonly progress: boolean;
  readonly json: boolean;
}

/** Parses the command's arguments (after `import`); opens nothing. Throws DomainError BAD_USER_INPUT (NOT_FOUND for a missing file). */
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
    return { help: true, files: [], format: "auto", skipInvalid: false, mapFiles: [], quiet: false, progress: false, json: false };
  if (values.quiet && values.progress) throw new DomainError("BAD_USER_INPUT", "import: --quiet and --progress exclude each other");
  if (positionals.length === 0) throw new DomainError("BAD_USER_INPUT", `import: expected a file (or -); usage: ${usage}`);
  if (positionals.filter((f) => f === "-").length > 1) throw new DomainError("BAD_USER_INPUT", "import: standard input (-) can be read once");
  const format = values.format as string;
  if (!(FORMAT_OPTIONS as readonly string[]).includes(format)) {
    throw new DomainError("BAD_USER_INPUT", `import: --format must be one of ${FORMAT_OPTIONS.join(", ")}, got "${format}"`);
  }
  if (values.name !== undefined && values.name.trim() === "") throw new DomainError("BAD_USER_INPUT", "import: --name must not be empty");
  if (values.name !== undefined && positionals.length > 1) {
    throw new DomainError("BAD_USER_INPUT", `import: --name names one trace, got ${positionals.length} files`);
  }
  // A missing file is named before any of the others is imported.
  for (const f of positionals) {
    if (f === "-") continue;
    try {
      statSync(f);
    } catch (err) {
      throw new DomainError("NOT_FOUND", `${f}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
  }
  return {
    help: false,
    files: positionals,
    name: values.name,
    format: format as FormatOption,
    skipInvalid: values["skip-invalid"] as boolean,
    mapFiles: values.map as string[],
    quiet: values.quiet as boolean,
    progress: values.progress as boolean,
    json: values.json as boolean,
  };
}

export const parse = parseImportArgs;

/** The stable --json form of one import. */
export function importJson({ trace, existing, report }: ImportResult) {
  return {
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
    lineBuckets: report?.lineBuckets ?? null,
  };
}

/** The text form of one import: a line, and indented details. */
export function importText({ trace, existing, report }: ImportResult): string {
  if (existing) return `already imported: ${printable(trace.name)} (${trace.id}), ${trace.version} events; use --name to import it again\n`;
  const r = report!;
  const parts = [`imported ${printable(trace.name)} (${trace.id}): ${r.events} events from ${r.lines} lines [${r.format}]`];
  if (r.lineBuckets) parts.push(lineBucketsText(r.lineBuckets));
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
  return `${parts.join("\n  ")}\n`;
}

/** One line: the three buckets' totals and the names with most lines (`byName` is most lines first). */
function lineBucketsText(b: LineBuckets): string {
  const top = Object.entries(b.byName)
    .slice(0, 3)
    .map(([name, c]) => {
      const buckets = (["events", "context", "noise"] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`);
      return `${printable(name)} ${buckets.join(" + ")}`;
    });
  const more = Object.keys(b.byName).length > 3 ? ", …" : "";
  return `lines: ${b.events} made events, ${b.context} context, ${b.noise} noise (most: ${top.join(", ")}${more})`;
}

/** Runs `racelab import`; returns the exit code (errors are thrown as DomainError: the framework prints them). */
export async function run(argv: readonly string[], ctx: ImportCommandContext): Promise<number> {
  const args = parseImportArgs(argv);
  if (args.help) {
    await write(ctx.stdout, help);
    return 0;
  }
  const io = { stdout: ctx.stdout, stderr: ctx.stderr ?? process.stderr, stdin: ctx.stdin ?? process.stdin };
  const results: ImportResult[] = [];
  for (const file of args.files) {
    const bar = args.quiet ? null : (terminalImportBar(io.stderr, file) ?? (args.progress ? progressLines(io.stderr) : null));
    let result: ImportResult;
    try {
      result = await importFile(ctx.store, file, {
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
    results.push(result);
    if (!args.json) await write(io.stdout, importText(result));
  }
  if (args.json) {
    // One file: its object, as always; several: an array in argument order.
    const json = results.map(importJson);
    await write(io.stdout, `${JSON.stringify(args.files.length === 1 ? json[0] : json)}\n`);
  }
  return 0;
}

function progressLines(stream: Writable): { update: (p: ImportProgress) => void; stop: () => void } {
  return { update: (p) => void stream.write(`progress ${p.lines} lines ${p.events} events\n`), stop: () => {} };
}

/** The terminal bar of one file's import: bytes read of the file, with lines, events and the rate. */
function terminalImportBar(stream: Writable & { isTTY?: boolean }, file: string): { update: (p: ImportProgress) => void; stop: () => void } | null {
  const bar = terminalProgress(stream);
  if (!bar) return null;
  const started = Date.now();
  return {
    update: (p) => {
      const secs = Math.max(0.001, (Date.now() - started) / 1000);
      bar.update(`importing ${file}`, p.bytes, p.totalBytes, `${p.lines} lines | ${p.events} events | ${Math.round(p.lines / secs)} lines/s`);
    },
    stop: () => bar.stop(),
  };
}
