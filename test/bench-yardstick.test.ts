/**
 * The yardstick of bench/real-logs.ts (issue 12 item 5):
 * bench/yardstick/straightforward.py, a plain Python replay that shares no
 * code with racelab, run as the bench runs it (`python3 … --json FILE…`) on
 * real files. The expected answers are racelab's own, read from
 * `racelab import FILE --json` (events, unbound) and `racelab check TRACE
 * --rules unpatched --rules patched --json` (verdict, first finding's effect
 * and line): the three real logs of ../shared/traces, the kit's recordings,
 * and the race fixtures in ftrace format (the ones the yardstick's scope
 * covers; the real logs are all clean, so these are what test its replay).
 * No database.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { ROOT } from "./helpers/cli.ts";

const YARDSTICK = path.join(ROOT, "bench/yardstick/straightforward.py");
const SHARED = path.resolve(ROOT, "../shared/traces");

type Finding = { effect: string | null; line: number | null } | null;
interface Log {
  file: string;
  events: number;
  unbound: number;
  unreadable: number;
  verdicts: { unpatched: string; patched: string };
  findings: { unpatched: Finding; patched: Finding };
}

/** The yardstick's --json answer for each file, keyed by the path given. */
function yardstick(files: readonly string[]): Map<string, Log> {
  const out = execFileSync("python3", [YARDSTICK, "--json", ...files], { encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "pipe"] });
  const logs = out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Log);
  return new Map(logs.map((l) => [l.file, l]));
}

const CLEAN = { verdicts: { unpatched: "clean", patched: "clean" }, findings: { unpatched: null, patched: null } };
const bug = (effect: string, line: number) => ({
  verdicts: { unpatched: "bug", patched: "clean" },
  findings: { unpatched: { effect, line }, patched: null },
});

/** file → what racelab answers for it. */
const EXPECTED: Record<string, object> = {
  [path.join(SHARED, "balance-events.trace")]: { events: 349, unbound: 0, ...CLEAN },
  [path.join(SHARED, "balance-function.trace")]: { events: 1064, unbound: 0, ...CLEAN },
  [path.join(SHARED, "balance-function_graph.trace")]: { events: 1183, unbound: 0, ...CLEAN },
  // Recorded on a 6.1 kernel, which carries the four fixes: clean under both rule sets.
  [path.join(ROOT, "seeds/recordings/balance.trace")]: { events: 966, unbound: 0, ...CLEAN },
  [path.join(ROOT, "seeds/recordings/commit.trace")]: { events: 1106, unbound: 0, ...CLEAN },
  [path.join(ROOT, "seeds/recordings/scrub.trace")]: { events: 280, unbound: 0, ...CLEAN },
  [path.join(ROOT, "seeds/recordings/trim.trace")]: { events: 636, unbound: 0, ...CLEAN },
  [path.join(ROOT, "test/ftrace/fixtures/races/balance-vs-unused-bg-deletion.trace")]: { events: 10, unbound: 0, ...bug("assertion_failure", 21) },
  [path.join(ROOT, "test/ftrace/fixtures/races/trim-vs-bg-removal.trace")]: { events: 14, unbound: 0, ...bug("discard_overwrites_metadata", 34) },
  [path.join(ROOT, "test/ftrace/fixtures/races/bg-creation-vs-cache-writeout.trace")]: { events: 9, unbound: 0, ...bug("transaction_abort_enoent", 21) },
  [path.join(ROOT, "test/graphql/fixtures/balance-race.trace")]: { events: 11, unbound: 0, ...bug("assertion_failure", 16) },
  // test/ftrace/fixtures/races/scrub-vs-bg-deletion.trace (trace-cmd report) as the function tracer prints it.
  [path.join(ROOT, "test/fixtures/scrub-vs-bg-deletion.function.trace")]: { events: 9, unbound: 0, ...bug("scrub_einval", 14) },
  // A gap (`CPU:2 [LOST 3 EVENTS]`) while a chain is in progress.
  [path.join(ROOT, "test/ftrace/fixtures/formats/flat-4x.trace")]: {
    events: 9,
    unbound: 0,
    verdicts: { unpatched: "undecidable", patched: "undecidable" },
    findings: { unpatched: { effect: null, line: 15 }, patched: { effect: null, line: 15 } },
  },
};

let answers: Map<string, Log>;
beforeAll(() => {
  answers = yardstick(Object.keys(EXPECTED));
});

test.each(Object.keys(EXPECTED).map((f) => [path.relative(ROOT, f), f]))("%s: racelab's events, unbound events and verdicts", (_name, file) => {
  expect(answers.get(file)).toEqual({ ...EXPECTED[file], file, unreadable: 0, tracer: expect.any(String), lines: expect.any(Number) });
});

test("without files it says how to run it and exits 2", () => {
  let error: { status?: number; stderr?: string } = {};
  try {
    execFileSync("python3", [YARDSTICK], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    error = e as typeof error;
  }
  expect(error.status).toBe(2);
  expect(error.stderr).toContain("usage: python3 bench/yardstick/straightforward.py [--json] FILE...");
});
