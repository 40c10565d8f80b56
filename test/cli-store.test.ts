/**
 * The racelab CLI end to end, as child processes on a database of their own:
 * help, traces, events, delete, db migrate, and one-line errors with exit codes.
 */
import { PassThrough } from "node:stream";
import { main } from "../src/cli/main.ts";
import { COMMANDS } from "../src/cli/commands/index.ts";
import { encodeEvent } from "../src/events/catalog.ts";
import { racelab } from "./helpers/cli.ts";
import { databaseForFile } from "./helpers/db.ts";
import { setRo, varietyOfEvents } from "./helpers/events.ts";

const t = databaseForFile();
const run = (args: string[]) => racelab(args, { env: t.env });

/** main() in this process, for the answers that need no database. */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d: Buffer) => (stdout += d.toString()));
  err.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await main(args, { stdout: out, stderr: err, stdin: new PassThrough(), env: {} });
  return { code, stdout, stderr };
}

test("racelab --help lists every registered command", async () => {
  const r = await run(["--help"]);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe("");
  for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c.name} `);
  expect(r.stdout).not.toContain("(unavailable");
}, 60_000);

test.each(COMMANDS.map((c) => [c.name]))("racelab %s --help prints its usage and exits 0", async (name) => {
  const r = await inProcess([...name.split(" "), "--help"]);
  expect(r).toMatchObject({ code: 0, stderr: "" });
  expect(r.stdout).toContain(`racelab ${name}`);
});

test("traces --json: the documented shape", async () => {
  const a = await t.store.createTrace({ name: "cli-a", source: { file: "a.trace", hash: "h-cli-a", format: "ftrace-nop" }, meta: { lines: 3 } });
  await t.store.append(a.id, 0, varietyOfEvents());
  const r = await run(["traces", "--json"]);
  expect(r).toMatchObject({ code: 0, stderr: "" });
  const list = JSON.parse(r.stdout) as unknown[];
  expect(list).toContainEqual({
    id: a.id,
    name: "cli-a",
    events: varietyOfEvents().length,
    format: "ftrace-nop",
    file: "a.trace",
    hash: "h-cli-a",
    createdAt: a.createdAt.toISOString(),
    meta: { lines: 3 },
  });

  const text = await run(["traces"]);
  expect(text.stdout).toMatch(new RegExp(`^${a.id}\\s+cli-a\\s+${varietyOfEvents().length}\\s+ftrace-nop\\s`, "m"));
}, 60_000);

test("events <name> --from --to --json: JSON lines in wire form, inclusive range", async () => {
  const events = varietyOfEvents();
  const b = await t.store.createTrace({ name: "cli-b", source: { file: null, hash: null, format: "api" } });
  await t.store.append(b.id, 0, events);
  const r = await run(["events", "cli-b", "--from", "2", "--to", "4", "--json"]);
  expect(r).toMatchObject({ code: 0, stderr: "" });
  const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  expect(lines).toEqual([2, 3, 4].map((seq) => ({ seq, ...encodeEvent(events[seq - 1]!) })));
  expect(lines[0].data.bytenr).toBe("18446744073709551615");

  const text = await run(["events", b.id]);
  expect(text.code).toBe(0);
  const rows = text.stdout.trimEnd().split("\n");
  expect(rows[0]).toBe(`# cli-b (${b.id}), ${events.length} events`);
  expect(rows).toHaveLength(2 + events.length);
  // Issue 14: a TIME column (seconds.microseconds, as ftrace prints it), addresses in hex, unknown arguments as ?.
  expect(rows[2]).toMatch(/^\s+1\s+7\s+1\s+1234\.567890\s+btrfs-cleaner-321\s+unused_bg_check\s+bytenr=0x1d00000 outcome=proceed used=0 flags=\?\s+\[deletion#1\]$/);
  expect(rows[3]).toContain(" kworker/u8:3\\ttab\\\\back\\nline «ü»-0 "); // escaped: one event, one line
  expect(rows[4]).toMatch(/^\s+3\s+-\s+0\s+-\s+\?-100\s+set_ro\s+bytenr=\? flag=true$/);
}, 60_000);

test("delete <name> removes the trace with its events; then it is not found (exit 3, one line)", async () => {
  const c = await t.store.createTrace({ name: "cli-c", source: { file: null, hash: null, format: "api" } });
  await t.store.append(c.id, 0, [setRo(1n), setRo(2n)]);
  const r = await run(["delete", "cli-c"]);
  expect(r).toEqual({ code: 0, stdout: `deleted trace cli-c (${c.id}) and its 2 events\n`, stderr: "" });
  expect(await t.store.getTrace(c.id)).toBeNull();
  const { rows } = await t.db.pool.query("SELECT count(*)::int AS n FROM events WHERE trace_id = $1", [c.id]);
  expect(rows).toEqual([{ n: 0 }]);

  const again = await run(["events", "cli-c"]);
  expect(again).toEqual({ code: 3, stdout: "", stderr: 'racelab: no trace "cli-c" (racelab traces lists them)\n' });
}, 60_000);

test("delete refuses a name shared by several traces", async () => {
  const one = await t.store.createTrace({ name: "cli-twin", source: { file: null, hash: null, format: "api" } });
  const two = await t.store.createTrace({ name: "cli-twin", source: { file: null, hash: null, format: "api" } });
  const r = await run(["delete", "cli-twin"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`racelab: 2 traces are named "cli-twin": give the id (${one.id}, ${two.id})\n`);
  expect(await t.store.getTrace(one.id)).not.toBeNull();
  const byId = await run(["delete", one.id, "--json"]);
  expect(JSON.parse(byId.stdout)).toEqual({ deleted: one.id, name: "cli-twin", events: 0 });
}, 60_000);

test("db migrate on a migrated database applies nothing", async () => {
  const r = await run(["db", "migrate", "--json"]);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ applied: [], database: { kind: t.kind } });
}, 60_000);

test("errors: one line on stderr naming what and where, non-zero exit; --debug adds the stack", async () => {
  const badFlag = await run(["events", "x", "--frm", "2"]);
  expect(badFlag.code).toBe(2);
  expect(badFlag.stderr).toMatch(/^racelab: events: Unknown option '--frm'\.[^\n]*\n$/);

  const badSeq = await inProcess(["events", "x", "--from", "zero"]);
  expect(badSeq).toEqual({ code: 2, stdout: "", stderr: 'racelab: --from: expected a positive integer, got "zero"\n' });

  const unknown = await inProcess(["frobnicate"]);
  expect(unknown).toEqual({ code: 2, stdout: "", stderr: 'racelab: unknown command "frobnicate" (racelab --help lists the commands)\n' });

  const missing = await inProcess(["events"]);
  expect(missing).toEqual({ code: 2, stdout: "", stderr: "racelab: events: missing argument (usage: racelab events --help)\n" });

  // A server that is not there: DATABASE (exit 5), naming host:port/database.
  const down = await racelab(["traces"], { env: { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/nowhere" } });
  expect(down.code).toBe(5);
  expect(down.stderr).toMatch(/^racelab: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/nowhere: [^\n]+\n$/);

  const debug = await racelab(["traces", "--debug"], { env: { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/nowhere" } });
  expect(debug.code).toBe(5);
  const lines = debug.stderr.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^racelab: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/nowhere/);
  expect(lines.length).toBeGreaterThan(3);
  expect(debug.stderr).toContain("at ");
}, 120_000);
