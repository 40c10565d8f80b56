/**
 * Explorer bench: the four seed scenarios × {unpatched, patched}, each
 * explored completely (partial-order reduction + state caching), with the
 * time, states/s and the reduction against naive enumeration; then the
 * total. Target: all eight complete in under 10 s.
 *
 *   npx tsx bench/explore.ts [--repeat 3] [--no-reduction]
 *
 * With --repeat N each exploration runs N times and the fastest run counts
 * (the first run of a process also pays for JIT warm-up). No database.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { exploreProgram } from "../src/explore/explore.ts";
import { programFromScenario } from "../src/explore/program.ts";
import { resolveRules } from "../src/rules/index.ts";
import { loadScenarioFile } from "../src/scenario/load.ts";
import { RACE_IDS } from "../src/events/races.ts";
import { seedFile } from "../src/explore/source.ts";

const { values } = parseArgs({ options: { repeat: { type: "string", default: "1" }, "no-reduction": { type: "boolean", default: false } } });
const repeat = Math.max(1, Number(values.repeat));
const reduction = !values["no-reduction"];

interface Row {
  scenario: string;
  rules: string;
  ms: number;
  states: number;
  schedules: number;
  transitions: number;
  naive: bigint;
  bugs: string;
  complete: boolean;
}

const rows: Row[] = [];
const wall0 = performance.now();
for (const race of RACE_IDS) {
  const program = programFromScenario(loadScenarioFile(seedFile(race)!), race);
  for (const spec of ["unpatched", "patched"]) {
    const rules = resolveRules([spec]);
    let best: ReturnType<typeof exploreProgram> | null = null;
    for (let i = 0; i < repeat; i++) {
      const r = exploreProgram(program, rules, { reduction });
      if (!best || r.elapsedMs < best.elapsedMs) best = r;
    }
    const r = best!;
    rows.push({
      scenario: race,
      rules: spec,
      ms: r.elapsedMs,
      states: r.states,
      schedules: r.schedules,
      transitions: r.transitions,
      naive: r.naive,
      bugs: r.bugs.map((b) => `${b.effect}@${b.schedule.length}`).join(",") || "none",
      complete: r.complete,
    });
  }
}
const wall = performance.now() - wall0;

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`explore bench — ${reduction ? "partial-order reduction + state caching" : "no reduction"}; node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}; best of ${repeat}`);
console.log(`${"scenario".padEnd(32)} ${"rules".padEnd(9)} ${pad("ms", 8)} ${pad("states", 7)} ${pad("states/s", 9)} ${pad("sched", 6)} ${pad("steps", 7)} ${pad("naive", 8)}  bugs (effect@steps)`);
for (const r of rows) {
  console.log(
    `${r.scenario.padEnd(32)} ${r.rules.padEnd(9)} ${pad(r.ms.toFixed(1), 8)} ${pad(r.states, 7)} ${pad(Math.round((r.states / r.ms) * 1000), 9)} ${pad(r.schedules, 6)} ${pad(r.transitions, 7)} ${pad(r.naive.toString(), 8)}  ${r.bugs}${r.complete ? "" : " (INCOMPLETE)"}`,
  );
}
const total = rows.reduce((n, r) => n + r.ms, 0);
const states = rows.reduce((n, r) => n + r.states, 0);
console.log(`total: ${(total / 1000).toFixed(2)} s exploring (${Math.round((states / total) * 1000)} states/s overall), ${(wall / 1000).toFixed(2)} s wall for all runs; target: the eight under 10 s → ${total < 10_000 && rows.every((r) => r.complete) ? "met" : "NOT met"}`);
