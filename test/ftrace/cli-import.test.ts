/**
 * The `racelab import` command module: flags, --json shape, messages.
 * (Through the command's `run`, with a real store; the CLI framework only
 * dispatches to it.)
 */
import path from "node:path";
import { parseImportArgs, run } from "../../src/cli/commands/import.ts";
import { DomainError } from "../../src/errors.ts";
import { textSink } from "../helpers/cli.ts";
import { databaseForFile } from "../helpers/db.ts";
import { fixture, SHARED_TRACES } from "./helpers.ts";

const t = databaseForFile();

async function runImport(argv: string[]) {
  const stdout = textSink();
  const stderr = textSink();
  const code = await run(argv, { store: t.store, stdout, stderr });
  return { code, out: stdout.text, err: stderr.text };
}

test("--json prints trace, events, lines, unmapped, skipped", async () => {
  const r = await runImport([path.join(SHARED_TRACES, "balance-events.trace"), "--json", "--name", "events"]);
  expect(r.code).toBe(0);
  const json = JSON.parse(r.out);
  expect(json).toMatchObject({
    name: "events",
    existing: false,
    format: "ftrace-nop",
    events: 349,
    lines: 53894,
    unmapped: {},
    skipped: [],
  });
  expect(json.trace).toMatch(/^[0-9a-f-]{36}$/);
  expect(r.err).toBe(""); // not a terminal: no progress bar
  const again = JSON.parse((await runImport([path.join(SHARED_TRACES, "balance-events.trace"), "--json", "--name", "events"])).out);
  expect(again).toMatchObject({ trace: json.trace, existing: true, events: 349, lines: 53894 });
});

test("text output names the trace, where its lines went and what did not map", async () => {
  const r = await runImport([fixture("formats/flat-5x-tgid.trace"), "--quiet"]);
  // 12 header lines (`# tracer: nop` decides the format), 3 mapped tracepoints, 2 known or unknown noise.
  expect(r.out).toMatch(
    /^imported flat-5x-tgid\.trace \([0-9a-f-]{36}\): 3 events from 17 lines \[ftrace-nop\]\n {2}lines: 3 made events, 1 context, 13 noise \(most: \(header\) 1 context \+ 11 noise, btrfs_reserve_extent 1 events, btrfs_skip_unused_block_group 1 events, …\)\n {2}unmapped names: 1 \(sched_process_exit×1\)\n$/,
  );
  const again = await runImport([fixture("formats/flat-5x-tgid.trace")]);
  expect(again.out).toMatch(/^already imported: flat-5x-tgid\.trace \(.*\), 3 events; use --name to import it again\n$/);
});

test("--format, --skip-invalid, --help and bad flags", async () => {
  const text = await runImport([fixture("races/scrub-vs-bg-deletion.trace"), "--format", "trace-cmd", "--skip-invalid", "--json"]);
  expect(JSON.parse(text.out)).toMatchObject({ format: "trace-cmd", events: 9, skipped: [] });
  expect((await runImport(["--help"])).out).toMatch(/^racelab import <file\|->/);
  expect(() => parseImportArgs(["x", "--format", "perf"])).toThrow('--format must be one of auto, ftrace, trace-cmd, jsonl, got "perf"');
  expect(() => parseImportArgs([])).toThrow(DomainError);
  // Several files (issue 12): each must exist before any is imported; --name and stdin are for one.
  expect(() => parseImportArgs(["a", "b"])).toThrow("a: cannot read: ENOENT");
  expect(() => parseImportArgs(["a", "b", "--name", "n"])).toThrow("import: --name names one trace, got 2 files");
  expect(() => parseImportArgs(["-", "-"])).toThrow("import: standard input (-) can be read once");
  expect(() => parseImportArgs(["a", "--bogus"])).toThrow("import: Unknown option '--bogus'");
  expect(parseImportArgs(["-", "--map", "a.json", "--map", "b.json"])).toMatchObject({ files: ["-"], mapFiles: ["a.json", "b.json"] });
});
