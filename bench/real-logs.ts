/**
 * The whole real-log job (issue 12 item 5): import ten real-shaped 6.1 logs
 * (~75 MB) and check each under `unpatched` and `patched`, racelab as a user
 * runs it, against the issue's yardstick: "a straightforward single-process
 * replay written in Python, parsing the same text and replaying both rule
 * sets" — bench/yardstick/straightforward.py, its own parse and its own replay
 * of DOMAIN.md, nothing of racelab. Target: racelab at least 3× faster than
 * it (printed ratio Python yardstick / racelab ≥ 3), start-up of both included.
 *
 * The ten logs (bench/real-logs-gen.ts): the three real ones of
 * ../shared/traces (nop, function, function_graph tracer) and seven rewritten
 * from them into a temporary folder — same shapes, other fsid, pids, task
 * names, timestamps and block-group addresses (seeded: --seed).
 *
 * racelab's side, start-up included, each a child process on a fresh database:
 *
 *   1. `racelab import f1 … f10 --json`
 *   2. `racelab check t1 … t10 --rules unpatched --rules patched --json`
 *
 * (`racelab db migrate` runs first, not counted: the database a user has
 * exists.) Both outputs are checked: ten traces, no skipped line, every
 * (trace, rule set) pair once. Printed beside it, not the headline: the same
 * job as one call, `racelab check f1 … f10 --rules unpatched --rules patched
 * --json` (check imports the files it is given), on a fresh database of its own. Then the two yardsticks, each compared with
 * racelab log by log (events, unbound events, the verdict under each rule
 * set; for the Python one also the first finding's effect and line), a
 * disagreement printed:
 *
 *   - the issue's: `python3 bench/yardstick/straightforward.py --json f1 … f10`,
 *     a child process (its start-up included), wall and CPU time. The target
 *     is judged on the ratio against it.
 *   - a harder second bar: bench/yardstick/straightforward.ts, a plain parse
 *     in TypeScript that replays with racelab's own engine (src/replay),
 *     run in this process (no start-up, JIT warm). Its ratio is printed too,
 *     labelled as such.
 *
 * --runs rounds (default 3), each on a database of its own; the figures and
 * the ratios are the medians (the machine is shared: each round's load
 * average is printed).
 *
 * Printed as well, to tell where racelab's time goes: each call's CPU time
 * (its process; the embedded database runs inside it) and, on a local server,
 * the CPU of the PostgreSQL backends that served it (sampled from /proc);
 * the same ratios in CPU seconds, which a shared machine's load moves less
 * than wall time; the start-up of a command that
 * opens the database (`racelab traces`); racelab's own parse of the ten logs
 * with no database (its importer, in this process); what the coverage of a
 * check (which neither yardstick computes) costs on the same events; the
 * load average before and after.
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/real-logs.ts [--runs 3] [--seed 1] [--keep]
 *   npx tsx bench/real-logs.ts [--runs 3] [--seed 1] [--keep]    (embedded PGlite, a temporary RACELAB_DATA_DIR per round)
 *
 * With DATABASE_URL each round creates a database of its own on that server
 * (racelab_bench_reallogs_<random>) and drops it; --keep keeps the generated
 * logs and the last round's database (their places are printed). python3
 * (3.11, standard library only) must be on the PATH.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { traceCoverage } from "../src/explore/coverage.ts";
import { TraceImporter } from "../src/ftrace/importer.ts";
import { loadMapTable } from "../src/ftrace/map-load.ts";
import { LineSplitter } from "../src/ftrace/splitter.ts";
import { prepareTrace } from "../src/replay/check.ts";
import { type LogFile, makeLogSet } from "./real-logs-gen.ts";
import { RULE_SETS, loadMap, parseLog, replayLogs } from "./yardstick/straightforward.ts";

const { values } = parseArgs({
  options: { keep: { type: "boolean", default: false }, seed: { type: "string", default: "1" }, runs: { type: "string", default: "3" } },
});
const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const BIN = path.join(ROOT, "bin/racelab.js");
const PYTHON_YARDSTICK = path.join(ROOT, "bench/yardstick/straightforward.py");
const server = process.env.DATABASE_URL;

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const mb = (b: number) => (b / 1e6).toFixed(1);
const s = (secs: number) => `${secs.toFixed(2)} s`;

const TICKS_PER_SECOND = 100;
/** /proc/<pid>/stat fields after "(comm) ": utime 11, stime 12, cutime 13, cstime 14 (0-based), in ticks. */
function statFields(pid: string): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  } catch {
    return null;
  }
}

/** CPU seconds of the children this process has waited for (Linux); null elsewhere. */
function childrenCpu(): number | null {
  const f = statFields("self");
  return f ? (Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND : null;
}

interface Call {
  wall: number;
  cpu: number | null;
  /** CPU seconds of the PostgreSQL backends that served this call (sampled), null without a local server. */
  serverCpu: number | null;
  stdout: string;
}

/** A child's exit code and what it printed. */
function collect(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * One racelab command as a user types it: a child process, timed; fails
 * loudly when it does. On a server, the backends of the call's database
 * (pg_stat_activity) are sampled every 20 ms meanwhile and their CPU read
 * from /proc: what the database did for this call alone, other sessions of a
 * shared server left out (a backend's last ≤ 20 ms go unseen).
 */
async function racelab(args: readonly string[], db: Database): Promise<Call> {
  const c0 = childrenCpu();
  const t0 = performance.now();
  const exited = collect(spawn(process.execPath, [BIN, ...args], { env: db.env, stdio: ["ignore", "pipe", "pipe"] }));
  const backends = new Map<number, number>();
  let running = true;
  const sampling = (async () => {
    const admin = db.admin;
    if (!admin || !existsSync("/proc/self/stat")) return false;
    while (running) {
      const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [db.name]);
      for (const { pid } of rows) {
        const f = statFields(String(pid));
        if (f) backends.set(pid, (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  })();
  const { code, stdout, stderr } = await exited;
  const wall = (performance.now() - t0) / 1000;
  running = false;
  const sampled = await sampling;
  const c1 = childrenCpu();
  if (code !== 0) throw new Error(`racelab ${args.slice(0, 3).join(" ")} … exited ${code}: ${stderr.trim()}`);
  const serverCpu = sampled ? [...backends.values()].reduce((a, b) => a + b, 0) : null;
  return { wall, cpu: c0 === null || c1 === null ? null : c1 - c0, serverCpu, stdout };
}

const cpuNote = (c: Call) =>
  [c.cpu === null ? null : `racelab process CPU ${s(c.cpu)}`, c.serverCpu === null ? null : `its PostgreSQL backends' CPU ${s(c.serverCpu)}`]
    .filter(Boolean)
    .join(", ");

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

interface ImportOut {
  trace: string;
  name: string;
  existing: boolean;
  format: string;
  events: number;
  lines: number;
  skipped: number[];
  warnings: Record<string, number>;
  unbound: number;
}
interface CheckOut {
  trace: string;
  ruleSet: string;
  verdict: string;
  findings: { effect: string; line: number | null }[];
  undecided: { line: number | null }[];
}

type RuleSetName = (typeof RULE_SETS)[number];

/** One log as the Python yardstick prints it (a --json line). */
interface PythonLog {
  file: string;
  events: number;
  unbound: number;
  /** Lines it could not read (racelab would refuse the file). */
  unreadable: number;
  verdicts: Record<RuleSetName, string>;
  /** The first effect (bug) or undecided point, null when clean. */
  findings: Record<RuleSetName, { effect: string | null; line: number | null } | null>;
}

interface PythonRun {
  wall: number;
  /** CPU seconds of the child (Linux), null elsewhere. */
  cpu: number | null;
  logs: PythonLog[];
}

/**
 * The issue's yardstick as one runs it: `python3 bench/yardstick/straightforward.py --json FILE…`,
 * a child process, timed with its start-up; fails loudly when it does.
 */
async function pythonYardstick(files: readonly string[]): Promise<PythonRun> {
  const c0 = childrenCpu();
  const t0 = performance.now();
  const { code, stdout, stderr } = await collect(spawn("python3", [PYTHON_YARDSTICK, "--json", ...files], { stdio: ["ignore", "pipe", "pipe"] }));
  const wall = (performance.now() - t0) / 1000;
  const c1 = childrenCpu();
  if (code !== 0) throw new Error(`python3 bench/yardstick/straightforward.py exited ${code}: ${stderr.trim()}`);
  const logs = stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as PythonLog);
  if (logs.length !== files.length || logs.some((l, i) => l.file !== files[i])) throw new Error(`the Python yardstick printed ${logs.length} logs, not one per file in order`);
  return { wall, cpu: c0 === null || c1 === null ? null : c1 - c0, logs };
}

/** Does the yardstick's first finding match racelab's report (effect and line of a bug, line of an undecided point)? */
function sameFinding(mine: PythonLog["findings"][RuleSetName], theirs: CheckOut): boolean {
  if (theirs.verdict === "bug") return mine?.effect === theirs.findings[0]?.effect && mine?.line === theirs.findings[0]?.line;
  if (theirs.verdict === "undecidable") return mine?.line === (theirs.undecided[0]?.line ?? null);
  return mine === null;
}

/** racelab's own parse of a log, no database (splitter → tokenizer → binder), as bench/import.ts measures it. */
async function racelabParse(file: string): Promise<number> {
  const splitter = new LineSplitter();
  const imp = new TraceImporter({ table: loadMapTable([], {}) });
  let events = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
    for (const it of splitter.push(chunk as Buffer)) if (it.kind === "line") imp.push(it.text, it.line, it.last, it.nul);
    events += imp.take().length;
  }
  for (const it of splitter.end()) if (it.kind === "line") imp.push(it.text, it.line, it.last, it.nul);
  imp.finish();
  return events + imp.take().length;
}

interface Database {
  readonly env: NodeJS.ProcessEnv;
  readonly where: string;
  /** On a server: the scratch database's name and a connection (to the server's own database) that watches its sessions. */
  readonly name: string | null;
  readonly admin: pg.Client | null;
  drop(): Promise<void>;
  /** Lets go of it, data kept (--keep). */
  close(): Promise<void>;
}

/** A fresh database: a scratch one on the server, or an embedded one in a temporary folder. */
async function freshDatabase(): Promise<Database> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.RACELAB_FTRACE_MAP; // both sides read seeds/ftrace-map.json alone
  if (server) {
    const name = `racelab_bench_reallogs_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`); // our own name: [a-z0-9_]
    env.DATABASE_URL = withDatabase(server, name);
    delete env.RACELAB_DATA_DIR;
    return {
      env,
      where: `database ${name} on the PostgreSQL server`,
      name,
      admin,
      async drop() {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
      close: () => admin.end(),
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "racelab-real-logs-db-"));
  env.RACELAB_DATA_DIR = dir;
  delete env.DATABASE_URL;
  return { env, where: `embedded database in ${dir}`, name: null, admin: null, drop: async () => rmSync(dir, { recursive: true, force: true }), close: async () => {} };
}

interface Round {
  readonly migrate: Call;
  readonly imp: Call;
  readonly chk: Call;
  /** `racelab traces`: the start-up of a command that opens the database (not counted). */
  readonly startup: Call;
  /** The same job as one call, on a fresh database of its own: `racelab check FILE… --rules … --json` imports the files first. */
  readonly oneCall: Call;
  readonly imported: ImportOut[];
  readonly verdicts: Map<string, CheckOut>;
  /** The issue's yardstick (bench/yardstick/straightforward.py), a child process. */
  readonly python: PythonRun;
  /** The harder second bar (bench/yardstick/straightforward.ts), in this process. */
  readonly yardstick: ReturnType<typeof replayLogs>;
  /** CPU seconds of this process while the TypeScript yardstick ran. */
  readonly yardstickCpu: number;
  readonly load: string;
}

/** One round on a fresh database: racelab's two calls (outputs checked), then the Python yardstick, then the TypeScript one. */
async function round(logs: readonly LogFile[], db: Database): Promise<Round> {
  const load0 = load();
  const migrate = await racelab(["db", "migrate", "--json"], db);
  const imp = await racelab(["import", ...logs.map((l) => l.path), "--json"], db);
  const imported = JSON.parse(imp.stdout) as ImportOut[];
  if (!Array.isArray(imported) || imported.length !== logs.length) throw new Error(`import printed ${imported.length} traces, expected ${logs.length}`);
  for (const [i, r] of imported.entries()) {
    if (r.existing || r.skipped.length > 0 || r.name !== path.basename(logs[i]!.path)) {
      throw new Error(`import of ${logs[i]!.path}: ${JSON.stringify({ name: r.name, existing: r.existing, skipped: r.skipped })}`);
    }
  }
  const ids = imported.map((r) => r.trace);
  const chk = await racelab(["check", ...ids, ...RULE_SETS.flatMap((r) => ["--rules", r]), "--json"], db);
  const checked = chk.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as CheckOut);
  const verdicts = new Map(checked.map((c) => [`${c.trace}|${c.ruleSet}`, c]));
  if (checked.length !== ids.length * RULE_SETS.length || verdicts.size !== checked.length || ids.some((id) => RULE_SETS.some((r) => !verdicts.has(`${id}|${r}`)))) {
    throw new Error(`check printed ${checked.length} reports, not one per (trace, rule set) of ${ids.length} × ${RULE_SETS.length}`);
  }
  const startup = await racelab(["traces", "--json"], db);
  const oneCall = await oneCallJob(logs);
  const python = await pythonYardstick(logs.map((l) => l.path));
  const c0 = process.cpuUsage();
  const yardstick = replayLogs(logs.map((l) => l.path));
  const c1 = process.cpuUsage(c0);
  return { migrate, imp, chk, startup, oneCall, imported, verdicts, python, yardstick, yardstickCpu: (c1.user + c1.system) / 1e6, load: load0 };
}

/** The whole job in one call (check imports the files it is given), on a fresh database; its output checked for every pair. */
async function oneCallJob(logs: readonly LogFile[]): Promise<Call> {
  const db = await freshDatabase();
  try {
    await racelab(["db", "migrate", "--json"], db);
    const call = await racelab(["check", ...logs.map((l) => l.path), ...RULE_SETS.flatMap((r) => ["--rules", r]), "--json"], db);
    const reports = call.stdout.trim().split("\n");
    if (reports.length !== logs.length * RULE_SETS.length) throw new Error(`check of the files printed ${reports.length} reports, expected ${logs.length * RULE_SETS.length}`);
    return call;
  } finally {
    await db.drop();
  }
}

interface Disagreements {
  /** Logs where the Python yardstick and racelab differ. */
  python: number;
  /** Logs where the TypeScript yardstick and racelab differ. */
  typescript: number;
}

/**
 * Logs where each yardstick and racelab differ (events, unbound events, a
 * verdict; for the Python one also the first finding), with the table printed:
 * each figure as racelab/Python/TypeScript, a verdict once when all three agree.
 */
function compare(logs: readonly LogFile[], r: Round, print: boolean): Disagreements {
  if (print) {
    console.log("\nlog                                  shape           MB   events (racelab/py/ts)  unbound  unpatched  patched");
  }
  const out: Disagreements = { python: 0, typescript: 0 };
  for (const [i, log] of logs.entries()) {
    const imp = r.imported[i]!;
    const py = r.python.logs[i]!;
    const ts = r.yardstick.results[i]!;
    const theirs = RULE_SETS.map((rs) => r.verdicts.get(`${imp.trace}|${rs}`)!);
    const pySame =
      py.events === imp.events &&
      py.unbound === imp.unbound &&
      py.unreadable === 0 &&
      RULE_SETS.every((rs, k) => py.verdicts[rs] === theirs[k]!.verdict && sameFinding(py.findings[rs], theirs[k]!));
    const tsSame = ts.events === imp.events && ts.unbound === imp.unbound && ts.invalid === 0 && RULE_SETS.every((rs, k) => ts.reports[rs].verdict === theirs[k]!.verdict);
    if (!pySame) out.python++;
    if (!tsSame) out.typescript++;
    if (!print) continue;
    const v = RULE_SETS.map((rs, k) => {
      const [a, b, c] = [theirs[k]!.verdict, py.verdicts[rs], ts.reports[rs].verdict];
      return (a === b && a === c ? a : `${a}≠py ${b}≠ts ${c}`).padEnd(10);
    }).join(" ");
    const notes = [
      pySame ? null : "DISAGREE (Python)",
      tsSame ? null : "DISAGREE (TypeScript)",
      py.unreadable ? `Python: ${py.unreadable} unreadable lines` : null,
      ts.invalid ? `TypeScript: ${ts.invalid} unreadable lines` : null,
    ].filter(Boolean);
    console.log(
      `${path.basename(log.path).padEnd(36)} ${log.shape.padEnd(15)} ${mb(log.bytes).padStart(4)}   ${`${imp.events}/${py.events}/${ts.events}`.padEnd(22)}  ${`${imp.unbound}/${py.unbound}/${ts.unbound}`.padEnd(7)}  ${v}${notes.length > 0 ? `  ${notes.join("; ")}` : ""}`,
    );
  }
  return out;
}

function median(xs: readonly number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

async function main(): Promise<void> {
  const seed = Number(values.seed);
  const runs = Number(values.runs);
  console.log(`load average before: ${load()} (1, 5, 15 min); ${os.cpus().length} CPUs; node ${process.version}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "racelab-real-logs-"));
  let kept: Database | null = null;
  try {
    const g0 = performance.now();
    const logs: LogFile[] = makeLogSet(dir, seed);
    const bytes = logs.reduce((a, l) => a + l.bytes, 0);
    const lines = logs.reduce((a, l) => a + l.lines, 0);
    console.log(
      `log set: ${logs.length} logs, ${mb(bytes)} MB, ${lines.toLocaleString("en-US")} lines (3 real from ../shared/traces, ${logs.length - 3} generated from them in ${s((performance.now() - g0) / 1000)}, seed ${seed})`,
    );
    console.log(
      `racelab on ${server ? "a PostgreSQL server (a scratch database per round)" : "the embedded PGlite (a temporary RACELAB_DATA_DIR per round)"}; ${runs} round(s), racelab then the Python yardstick then the TypeScript one in each\n`,
    );

    const rounds: Round[] = [];
    const disagreeing: Disagreements = { python: 0, typescript: 0 };
    for (let i = 0; i < runs; i++) {
      const db = await freshDatabase();
      try {
        const r = await round(logs, db);
        rounds.push(r);
        const d = compare(logs, r, false);
        if (d.python > 0) disagreeing.python++;
        if (d.typescript > 0) disagreeing.typescript++;
        const total = r.imp.wall + r.chk.wall;
        console.log(
          `round ${i + 1} (load ${r.load}): racelab import ${s(r.imp.wall)} (${cpuNote(r.imp)}) + check ${s(r.chk.wall)} (${cpuNote(r.chk)}) = ${s(total)}; ` +
            `Python yardstick ${s(r.python.wall)} (CPU ${r.python.cpu === null ? "?" : s(r.python.cpu)}), ratio ${(r.python.wall / total).toFixed(2)}; ` +
            `TypeScript yardstick ${s(r.yardstick.secs)} (CPU ${s(r.yardstickCpu)}; parse and bind ${s(r.yardstick.parseSecs)}, replay ${s(r.yardstick.replaySecs)}), ratio ${(r.yardstick.secs / total).toFixed(2)}; ` +
            `the same job as one racelab call ${s(r.oneCall.wall)} (${cpuNote(r.oneCall)})` +
            `   [not counted: db migrate ${s(r.migrate.wall)}, start-up of racelab traces ${s(r.startup.wall)}]`,
        );
      } finally {
        if (values.keep && i === runs - 1) {
          kept = db;
          await db.close();
        } else await db.drop();
      }
    }

    const last = rounds[rounds.length - 1]!;
    compare(logs, last, true);
    const agreement = (who: string, n: number, what: string) =>
      n === 0
        ? `racelab and the ${who} yardstick agree on every log${runs > 1 ? " in every round" : ""}: same number of events, of unbound events, and the same ${what} under each rule set.`
        : `DISAGREEMENT with the ${who} yardstick in ${n} of ${runs} rounds (the last one above): it and racelab read or replay these logs differently.`;
    console.log(agreement("Python", disagreeing.python, "verdict and first finding"));
    console.log(agreement("TypeScript", disagreeing.typescript, "verdict"));

    const imp = median(rounds.map((r) => r.imp.wall));
    const chk = median(rounds.map((r) => r.chk.wall));
    const total = median(rounds.map((r) => r.imp.wall + r.chk.wall));
    const py = median(rounds.map((r) => r.python.wall));
    const ys = median(rounds.map((r) => r.yardstick.secs));
    const cpu = (xs: (number | null)[]) => (xs.every((x): x is number => x !== null) ? s(median(xs)) : "?");
    console.log(`\nmedian of ${runs} round(s), ${logs.length} logs, ${mb(bytes)} MB:`);
    console.log(`  racelab import (1 call):  ${s(imp)}   process CPU ${cpu(rounds.map((r) => r.imp.cpu))}${server ? `, its PostgreSQL backends' CPU ${cpu(rounds.map((r) => r.imp.serverCpu))}` : ""}`);
    console.log(`  racelab check  (1 call):  ${s(chk)}   process CPU ${cpu(rounds.map((r) => r.chk.cpu))}${server ? `, its PostgreSQL backends' CPU ${cpu(rounds.map((r) => r.chk.serverCpu))}` : ""}`);
    console.log(`  racelab total:            ${s(total)}`);
    const one = median(rounds.map((r) => r.oneCall.wall));
    console.log(`  the same job as one call (racelab check FILE… --rules unpatched --rules patched, which imports the files): ${s(one)}   process CPU ${cpu(rounds.map((r) => r.oneCall.cpu))}`);
    console.log(`  Python yardstick (the issue's; python3 child process, start-up included):  ${s(py)}   CPU ${cpu(rounds.map((r) => r.python.cpu))}`);
    console.log(
      `  TypeScript yardstick (harder second bar; in this process, racelab's replay engine):  ${s(ys)}   CPU ${s(median(rounds.map((r) => r.yardstickCpu)))} (parse and bind ${s(median(rounds.map((r) => r.yardstick.parseSecs)))}, replay ${s(median(rounds.map((r) => r.yardstick.replaySecs)))})`,
    );

    // --- where racelab's time goes --------------------------------------------------------------
    console.log("\nprofile hints:");
    console.log(`  start-up of a command that opens the database (racelab traces): ${s(median(rounds.map((r) => r.startup.wall)))} (CPU ${cpu(rounds.map((r) => r.startup.cpu))}) — paid by each of the two calls`);
    const p0 = performance.now();
    const c0 = process.cpuUsage();
    let parsed = 0;
    for (const l of logs) parsed += await racelabParse(l.path);
    const parseCpu = process.cpuUsage(c0);
    console.log(
      `  racelab's parse alone (its importer, no database, in this process): ${s((performance.now() - p0) / 1000)}, CPU ${s((parseCpu.user + parseCpu.system) / 1e6)}, ${parsed} events`,
    );
    const map = loadMap();
    const prepared = logs.map((l) => prepareTrace(parseLog(l.path, map).events));
    const v0 = performance.now();
    for (const p of prepared) traceCoverage(p);
    console.log(`  coverage of the ten traces (part of every first check; neither yardstick computes it): ${s((performance.now() - v0) / 1000)}`);
    const impCpu = median(rounds.map((r) => r.imp.cpu ?? Number.NaN));
    const impServer = server ? median(rounds.map((r) => r.imp.serverCpu ?? Number.NaN)) : Number.NaN;
    const share = (100 * imp) / (imp + chk);
    console.log(
      `  → ${share >= 50 ? "import" : "check"} dominates (import ${share.toFixed(0)}% of racelab's time). Import call: ${s(impCpu)} CPU in racelab's process` +
        (server
          ? ` against ${s(impServer)} in its PostgreSQL backends: ${impServer < impCpu / 2 ? "node CPU, not the database" : "the database weighs as much as node"}`
          : ` (the embedded database runs inside it): what the parse and the start-up do not explain, ~${s(Math.max(0, impCpu - (parseCpu.user + parseCpu.system) / 1e6 - median(rounds.map((r) => r.startup.cpu ?? 0))))}, is mostly the database's`) +
        `; racelab's parse alone takes ${s((parseCpu.user + parseCpu.system) / 1e6)} CPU of it, the start-up ${s(median(rounds.map((r) => r.startup.cpu ?? Number.NaN)))}.`,
    );

    console.log(`\nload average after: ${load()}`);
    // CPU time moves less than wall time on a shared machine: each ratio in CPU seconds too (racelab's process and, on a local server, its backends').
    const racelabCpu = median(rounds.map((r) => [r.imp, r.chk].reduce((a, c) => a + (c.cpu ?? Number.NaN) + (server ? (c.serverCpu ?? 0) : 0), 0)));
    const cpuRatio = (yardstickCpu: number) =>
      Number.isNaN(yardstickCpu / racelabCpu)
        ? "? (no /proc)"
        : `${(yardstickCpu / racelabCpu).toFixed(2)}   (${s(yardstickCpu)} / ${s(racelabCpu)}${server ? ", racelab's processes and their PostgreSQL backends" : ""})`;
    const ratio = py / total;
    console.log(
      `ratio Python yardstick / racelab: ${ratio.toFixed(2)}   (${s(py)} / ${s(total)}, medians; target ≥ 3: ${ratio >= 3 ? "met" : "MISSED"})  [${server ? "PostgreSQL server" : "embedded PGlite"}]`,
    );
    console.log(`  same in CPU seconds: ${cpuRatio(median(rounds.map((r) => r.python.cpu ?? Number.NaN)))}`);
    console.log(`  the job as one racelab call: ${(py / one).toFixed(2)}   (${s(py)} / ${s(one)})`);
    console.log(
      `harder second bar, TypeScript yardstick / racelab: ${(ys / total).toFixed(2)}   (${s(ys)} / ${s(total)}, medians; in-process, no start-up, racelab's own replay engine)`,
    );
    console.log(`  same in CPU seconds: ${cpuRatio(median(rounds.map((r) => r.yardstickCpu)))}`);
    if (values.keep) console.log(`kept: the logs in ${dir}; the last round's ${kept?.where}`);
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
