/**
 * Batch commands and stored verdicts (issue 12), through the built CLI as a
 * user runs it, on a database of this file's own: `import` of several files,
 * `check` of several traces under several rule sets, and the verdicts table
 * that answers a repeated check until the trace changes.
 */
import path from "node:path";
import { ENGINE_VERSION } from "../src/replay/engine.ts";
import { racelab, ROOT } from "./helpers/cli.ts";
import { databaseForFile } from "./helpers/db.ts";
import { setRo } from "./helpers/events.ts";

const t = databaseForFile();
const run = (args: string[]) => racelab(args, { env: t.env });

const FLAT = path.join(ROOT, "test/ftrace/fixtures/formats/flat-5x-tgid.trace");
const SCRUB = path.join(ROOT, "test/ftrace/fixtures/races/scrub-vs-bg-deletion.trace");
const TRIM = path.join(ROOT, "seeds/trim-vs-bg-removal.scenario");
const BALANCE = path.join(ROOT, "seeds/balance-vs-unused-bg-deletion.scenario");

async function traceId(name: string): Promise<string> {
  const trace = await t.store.findTrace(name);
  if (!trace) throw new Error(`no trace ${name}`);
  return trace.id;
}

async function verdictRows(trace: string): Promise<{ rules: string; engine: number; trace_version: number; created_at: Date; report: string }[]> {
  const { rows } = await t.db.pool.query("SELECT rules, engine, trace_version, created_at, report FROM verdicts WHERE trace_id = $1 ORDER BY rules", [trace]);
  return rows;
}

describe("import of several files", () => {
  test("--json: an array of the reports in argument order; one process, one trace per file", async () => {
    const at = (events: number, context: number, noise: number) => ({ events, context, noise });
    const r = await run(["import", SCRUB, FLAT, "--json"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout.split("\n")).toHaveLength(2); // one line, then the final newline
    expect(JSON.parse(r.stdout)).toEqual([
      {
        trace: await traceId("scrub-vs-bg-deletion.trace"),
        name: "scrub-vs-bg-deletion.trace",
        existing: false,
        format: "trace-cmd",
        events: 9,
        lines: 12,
        unmapped: {},
        skipped: [],
        gaps: [],
        warnings: {},
        unbound: 0,
        // By hand: `cpus=2` decides the format, scrub_enumerate_chunks teaches a role, the
        // btrfs_remove_block_group tracepoint merges into the function's event; the rest make one event each.
        lineBuckets: {
          events: 9,
          context: 3,
          noise: 0,
          eventsAtEnd: 0,
          byName: {
            "(header)": at(0, 1, 0),
            "bgr: unused_bg_check": at(1, 0, 0),
            inc_block_group_ro: at(1, 0, 0),
            btrfs_remove_chunk: at(1, 0, 0),
            btrfs_chunk_free: at(1, 0, 0),
            scrub_enumerate_chunks: at(0, 1, 0),
            "bgr: scrub_dev_extent": at(1, 0, 0),
            btrfs_inc_block_group_ro: at(1, 0, 0),
            btrfs_remove_block_group: at(1, 1, 0),
            scrub_chunk: at(1, 0, 0),
            btrfs_dec_block_group_ro: at(1, 0, 0),
          },
        },
      },
      {
        trace: await traceId("flat-5x-tgid.trace"),
        name: "flat-5x-tgid.trace",
        existing: false,
        format: "ftrace-nop",
        events: 3,
        lines: 17,
        unmapped: { sched_process_exit: 1 },
        skipped: [],
        gaps: [],
        warnings: {},
        unbound: 0,
        lineBuckets: {
          events: 3,
          context: 1,
          noise: 13,
          eventsAtEnd: 0,
          byName: {
            "(header)": at(0, 1, 11), // `# tracer: nop` decides the format
            btrfs_space_reservation: at(0, 0, 1), // known noise
            btrfs_reserve_extent: at(1, 0, 0),
            btrfs_skip_unused_block_group: at(1, 0, 0),
            btrfs_transaction_commit: at(1, 0, 0),
            sched_process_exit: at(0, 0, 1), // unmapped
          },
        },
      },
    ]);
  });

  test("text: one report per file; one file with --json keeps its object", async () => {
    const again = await run(["import", FLAT, SCRUB]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `already imported: flat-5x-tgid.trace (${await traceId("flat-5x-tgid.trace")}), 3 events; use --name to import it again\n` +
        `already imported: scrub-vs-bg-deletion.trace (${await traceId("scrub-vs-bg-deletion.trace")}), 9 events; use --name to import it again\n`,
    );
    const one = await run(["import", FLAT, "--json"]);
    expect(JSON.parse(one.stdout)).toMatchObject({ trace: await traceId("flat-5x-tgid.trace"), existing: true, events: 3 });
  });

  test("a missing file is named before anything is imported", async () => {
    const { rows: before } = await t.db.pool.query("SELECT count(*)::int AS n FROM traces");
    const r = await run(["import", TRIM, path.join(ROOT, "no-such.trace")]);
    expect(r).toEqual({ code: 3, stdout: "", stderr: `racelab: ${path.join(ROOT, "no-such.trace")}: cannot read: ENOENT\n` });
    const { rows: after } = await t.db.pool.query("SELECT count(*)::int AS n FROM traces");
    expect(after).toEqual(before);
  });
});

describe("check of several traces under several rule sets", () => {
  test("--json: one report per line, trace by trace, each under the rule sets in order", async () => {
    const r = await run(["check", TRIM, BALANCE, "--rules", "unpatched", "--rules", "patched", "--json"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    const trim = await traceId("trim-vs-bg-removal");
    const balance = await traceId("balance-vs-unused-bg-deletion");
    expect(lines.map((l) => [l.trace, l.rules, l.ruleSet, l.verdict, l.race, l.findings.map((f: { effect: string; seq: number; line: number }) => [f.effect, f.seq, f.line])])).toEqual([
      [trim, ["unpatched"], "unpatched", "bug", "trim-vs-bg-removal", [["discard_overwrites_metadata", 11, 38]]],
      [trim, ["patched"], "patched", "clean", null, []],
      [balance, ["unpatched"], "unpatched", "bug", "balance-vs-unused-bg-deletion", [["assertion_failure", 8, 28]]],
      [balance, ["patched"], "patched", "clean", null, []],
    ]);
    // Under the mutex the cleaner's chain (check 3, set_ro 5, remove_chunk 6, remove_block_group 7) waits for balance.
    expect(lines[3].reordered.map((x: { seq: number }) => x.seq)).toEqual([3, 5, 6, 7]);
  });

  test("one pair keeps the one object of a single check", async () => {
    const r = await run(["check", "trim-vs-bg-removal", "--rules", "patched", "--json"]);
    expect(r.stdout.split("\n")).toHaveLength(2);
    expect(JSON.parse(r.stdout)).toEqual({
      verdict: "clean",
      rules: ["patched"],
      findings: [],
      warnings: [],
      reordered: [],
      undecided: [],
      deferredAtEnd: [],
      gaps: [],
      trace: await traceId("trim-vs-bg-removal"),
      ruleSet: "patched",
      race: null,
      // seeds/trim-vs-bg-removal.scenario: fstrim (pid 3001) trims X (line 30) right after the
      // cleaner (887) set it read-only (line 29); the recorded order itself ends in the bug.
      coverage: {
        "balance-vs-unused-bg-deletion": { chains: { relocation: 0, deletion: 1 }, unbound: 0, closest: null, reachable: false },
        "trim-vs-bg-removal": {
          chains: { trim: 1, deletion: 1, relocation: 0 },
          unbound: 0,
          closest: {
            blockGroup: "1073741824",
            ns: null,
            sides: [
              { kind: "trim", step: "trim_bg", seq: 3, line: 30, pid: 3001 },
              { kind: "deletion", step: "set_ro", seq: 2, line: 29, pid: 887 },
            ],
          },
          reachable: true,
        },
        "bg-creation-vs-cache-writeout": { chains: { creation: 1, writeout_early: 0, writeout_critical: 0 }, unbound: 0, closest: null, reachable: false },
        "scrub-vs-bg-deletion": { chains: { deletion: 1, relocation: 0, scrub: 0 }, unbound: 0, closest: null, reachable: false },
      },
    });
  });

  test("text: one block per pair, named by trace and rule set", async () => {
    const r = await run(["check", "trim-vs-bg-removal", "balance-vs-unused-bg-deletion", "--rules", "delete-unused-bgs-mutex"]);
    expect(r.code).toBe(0);
    const heads = r.stdout.split("\n").filter((l) => !l.startsWith(" ") && l !== "");
    expect(heads).toEqual([
      `trim-vs-bg-removal (${await traceId("trim-vs-bg-removal")}) under delete-unused-bgs-mutex: BUG`,
      `balance-vs-unused-bg-deletion (${await traceId("balance-vs-unused-bg-deletion")}) under delete-unused-bgs-mutex: clean`,
    ]);
  });

  test("a trace that does not exist stops the batch before any replay, naming it", async () => {
    const r = await run(["check", "trim-vs-bg-removal", "no-such-trace", "--json"]);
    expect(r).toEqual({ code: 3, stdout: "", stderr: 'racelab: no trace or file "no-such-trace" (racelab traces lists the traces)\n' });
  });
});

describe("verdicts are stored per (trace, rule set, engine version)", () => {
  test("a second check reads the stored verdict; an append makes it stale; a delete takes it along", async () => {
    const imported = await t.store.importTrace({ name: "cached", source: { file: null, hash: null, format: "api" } }, [
      (await t.store.read(await traceId("trim-vs-bg-removal"))).map(({ seq: _seq, ...e }) => e),
    ]);
    const id = imported.id;
    const first = await run(["check", id, "--rules", "patched", "--json"]);
    expect(JSON.parse(first.stdout)).toMatchObject({ verdict: "clean", trace: id });
    const stored = await verdictRows(id);
    expect(stored.map((r) => [r.rules, r.engine, r.trace_version])).toEqual([["patched", ENGINE_VERSION, 12]]);
    expect(JSON.parse(stored[0]!.report)).toMatchObject({ verdict: "clean", ruleSet: "patched" });

    // Tamper with the stored report: a check that printed it did not replay.
    await t.db.pool.query(`UPDATE verdicts SET report = replace(report, '"verdict":"clean"', '"verdict":"undecidable"') WHERE trace_id = $1`, [id]);
    const second = await run(["check", id, "--rules", "patched", "--json"]);
    expect(JSON.parse(second.stdout)).toMatchObject({ verdict: "undecidable", trace: id });
    expect((await verdictRows(id))[0]!.created_at).toEqual(stored[0]!.created_at); // not written again

    // An append raises the version: the verdict is replayed and replaced.
    await t.store.append(id, 12, [setRo(999n)]);
    const third = await run(["check", id, "--rules", "patched", "--json"]);
    expect(JSON.parse(third.stdout)).toMatchObject({ verdict: "clean", trace: id });
    expect((await verdictRows(id)).map((r) => [r.rules, r.trace_version, JSON.parse(r.report).verdict])).toEqual([["patched", 13, "clean"]]);

    // Another rule set is another row; the delete removes both.
    await run(["check", id, "--rules", "unpatched"]);
    expect((await verdictRows(id)).map((r) => [r.rules, r.trace_version])).toEqual([["patched", 13], ["unpatched", 13]]);
    expect((await run(["delete", id])).code).toBe(0);
    expect(await verdictRows(id)).toEqual([]);
  });

  test("a fork has verdicts of its own; its base's stay", async () => {
    const base = await traceId("balance-vs-unused-bg-deletion");
    await run(["check", base, "--rules", "unpatched"]);
    const fork = await t.store.forkTrace(base, 7, { name: "balance-fork", source: { file: null, hash: null, format: "api" } });
    const r = await run(["check", fork.id, "--rules", "unpatched", "--json"]);
    // The assertion failure is the 8th event: the fork at 7 stops before it.
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: "clean", trace: fork.id });
    expect((await verdictRows(fork.id)).map((v) => [v.rules, v.trace_version])).toEqual([["unpatched", 7]]);
    // The base's: from the checks above.
    expect((await verdictRows(base)).map((v) => [v.rules, v.trace_version, JSON.parse(v.report).verdict])).toEqual([
      ["delete-unused-bgs-mutex", 8, "clean"],
      ["patched", 8, "clean"],
      ["unpatched", 8, "bug"],
    ]);
  });
});
